import multipart from "@fastify/multipart";
import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { MAX_UPLOAD_BYTES } from "../knowledge/extract/index.js";
import { tooLarge } from "../knowledge/service.js";
import { actorOf } from "../policy/policy.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** Knowledge sources of teams and projects (docs/knowledge.md). */
export const knowledgeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const k = ctx.knowledge;
  const actor = (req: Parameters<typeof caller>[0]) => actorOf(caller(req));
  registerRoute(app, ROUTES["knowledge.create"], async (req, reply) => {
    reply.code(201);
    return k.create(actor(req), req.body);
  });
  registerRoute(app, ROUTES["knowledge.list"], async (req) =>
    k.list(actor(req), { teamId: req.query.team_id, projectId: req.query.project_id }),
  );
  registerRoute(app, ROUTES["knowledge.get"], async (req) => k.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["knowledge.update"], async (req) => k.update(actor(req), req.params.id, req.body));
  registerRoute(app, ROUTES["knowledge.delete"], async (req) => k.delete(actor(req), req.params.id));
  registerRoute(app, ROUTES["knowledge.sync"], async (req, reply) => {
    reply.code(202);
    return k.syncNow(actor(req), req.params.id);
  });
  registerRoute(app, ROUTES["knowledge.testConfig"], async (req) => k.testConfig(req.body.kind, req.body.config));
  registerRoute(app, ROUTES["knowledge.test"], async (req) => k.test(actor(req), req.params.id));

  // Multipart only inside this plugin: the upload route is the one that reads files.
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 100 } });
  registerRoute(
    app,
    ROUTES["knowledge.upload"],
    async (req) => {
      const who = actor(req);
      const files: { filename: string; bytes: Uint8Array }[] = [];
      for await (const part of req.files()) {
        const bytes = await part.toBuffer().catch((err: { code?: string }) => {
          if (err.code === "FST_REQ_FILE_TOO_LARGE") throw tooLarge(part.filename, null);
          throw err;
        });
        if (part.file.truncated) throw tooLarge(part.filename, null);
        files.push({ filename: part.filename, bytes });
      }
      return k.upload(who, req.params.id, files);
    },
    { bodyLimit: MAX_UPLOAD_BYTES * 2 },
  );
  registerRoute(app, ROUTES["knowledge.documents"], async (req) => k.documents(actor(req), req.params.id, req.query));
  registerRoute(app, ROUTES["knowledge.document"], async (req) =>
    k.document(actor(req), req.params.id, req.params.doc_id),
  );
  registerRoute(app, ROUTES["knowledge.putDocument"], async (req) =>
    k.putDocument(actor(req), req.params.id, req.params.doc_id, req.body),
  );
  registerRoute(app, ROUTES["knowledge.deleteDocument"], async (req) =>
    k.deleteDocument(actor(req), req.params.id, req.params.doc_id),
  );
};
