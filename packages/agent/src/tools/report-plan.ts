import { z } from "zod";
import { defineTool } from "./types.js";

export const reportPlan = defineTool({
  name: "report_plan",
  description:
    "Show the user your plan for a multi-step task as a checklist, and update it as you go. Send the complete list every " +
    "time (it replaces the previous one); mark one entry in_progress while you work on it and completed when done.",
  schema: z.object({
    entries: z
      .array(
        z.object({
          content: z.string().min(1).describe("What this step does."),
          status: z.enum(["pending", "in_progress", "completed"]),
          priority: z.enum(["high", "medium", "low"]).default("medium"),
        }),
      )
      .max(50),
  }),
  kind: "think",
  needsPermission: false,
  title: () => "Update plan",
  async run(a, ctx) {
    await ctx.setPlan(a.entries);
    const done = a.entries.filter((e) => e.status === "completed").length;
    return { content: `Plan updated: ${done}/${a.entries.length} steps completed.` };
  },
});
