/**
 * One prompt turn: prompt → model → tool calls → results → model … until the model stops, the
 * round cap is hit, the provider gives up, or the user cancels. Everything the user should see goes
 * out as ACP session/update notifications, in order.
 */
import { randomUUID } from "node:crypto";
import type { PermissionOption, SessionUpdate, StopReason, ToolCallContent } from "@agentclientprotocol/sdk";
import { ACP_META, type ReplaceMarker } from "@strand/protocol";
import type { AgentConfig } from "../config.js";
import type { Desktop } from "../desktop/desktop.js";
import type { Log } from "../log.js";
import { ProviderError } from "../providers/errors.js";
import type { ChatMessage, ModelRequest, Provider, ToolCallRequest, ToolResult, UserPart } from "../providers/types.js";
import { parseArgs, ToolSet } from "../tools/registry.js";
import { type FileAccess, type Tool, type ToolContext, ToolError, type ToolOutcome } from "../tools/types.js";

const BUILT_IN = new ToolSet();

export type PermissionAnswer = "allow_once" | "allow_always" | "reject" | "cancelled";

export interface PermissionToolCall {
  toolCallId: string;
  title: string;
  kind: Tool["kind"];
  rawInput: unknown;
  content?: ToolCallContent[];
}

/** What the turn needs from the ACP connection. */
export interface TurnIo {
  update(update: SessionUpdate): Promise<void>;
  askPermission(
    toolCall: PermissionToolCall,
    options: PermissionOption[],
    signal: AbortSignal,
  ): Promise<string | undefined>;
}

export interface TurnDeps {
  config: AgentConfig;
  provider: Provider;
  io: TurnIo;
  workspace: string;
  files: FileAccess;
  desktop: Desktop;
  log: Log;
  system: string;
  /** The session's conversation; the turn appends to it. */
  history: ChatMessage[];
  /** Tools the user allowed for the rest of the session (ask mode). */
  alwaysAllowed: Set<string>;
  /** Called whenever the history is consistent mid-turn (every tool call has its result), to save it. */
  checkpoint?: () => void;
  /** The session's tools (built-in plus its MCP servers'); default the built-in ones. */
  tools?: ToolSet;
}

export interface TurnResult {
  stopReason: StopReason;
  /** Set when the turn ended because of an error the user was told about. */
  error?: string;
}

export async function runTurn(deps: TurnDeps, prompt: UserPart[], signal: AbortSignal): Promise<TurnResult> {
  const { config, history, io } = deps;
  const tools = deps.tools ?? BUILT_IN;
  history.push({ role: "user", content: prompt });
  const say = (text: string) => io.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });

  if (!config.model) {
    const error =
      "strand-agent has no model configured: set STRAND_AGENT_MODEL (e.g. work-anthropic/claude-sonnet-4-5) in the session's agent settings.";
    await say(error);
    return { stopReason: "end_turn", error };
  }

  for (let round = 0; ; round++) {
    if (signal.aborted) return { stopReason: "cancelled" };
    if (round >= config.maxToolRounds) {
      await say(
        `\n\nI stopped after ${config.maxToolRounds} tool rounds in this turn (the limit set by STRAND_AGENT_MAX_TOOL_ROUNDS). Send another prompt to let me continue.`,
      );
      return { stopReason: "max_turn_requests" };
    }

    let assistant = emptyAssistant();
    let messageId = randomUUID();
    const announced = new Set<string>();
    // Whether this attempt's text or thinking reached the client (a restart then has to withdraw it).
    let shown = false;
    let finish = "other";
    const request: ModelRequest = {
      model: config.model,
      system: deps.system,
      messages: history,
      tools: tools.specs,
      maxTokens: config.maxTokens,
      thinkingBudget: config.thinkingBudget,
    };
    try {
      for await (const ev of deps.provider.stream(request, signal)) {
        switch (ev.type) {
          case "text":
            shown = true;
            assistant.text += ev.text;
            await io.update({
              sessionUpdate: "agent_message_chunk",
              messageId,
              content: { type: "text", text: ev.text },
            });
            break;
          case "thinking":
            shown = true;
            await io.update({
              sessionUpdate: "agent_thought_chunk",
              messageId,
              content: { type: "text", text: ev.text },
            });
            break;
          case "thinking_block":
            assistant.thinking.push(ev.block);
            break;
          case "tool_call_start":
            announced.add(ev.id);
            await io.update(announce(tools, ev.id, ev.name));
            break;
          case "tool_call":
            assistant.toolCalls.push(ev.call);
            if (!announced.has(ev.call.id)) {
              announced.add(ev.call.id);
              await io.update(announce(tools, ev.call.id, ev.call.name));
            }
            await io.update(describe(tools, ev.call, deps.workspace));
            break;
          case "finish":
            finish = ev.reason;
            break;
          case "restart":
            // The stream broke mid-answer and the provider asks again. No tool of this step has
            // run (tools run only once the response is complete), so the step starts over: what
            // the broken attempt showed is withdrawn and replaced by the retried answer.
            deps.log("info", "model stream broke; the step starts again", {
              round,
              textChars: assistant.text.length,
              toolCalls: announced.size,
            });
            if (shown || announced.size) await withdraw(io, messageId, announced);
            assistant = emptyAssistant();
            messageId = randomUUID();
            announced.clear();
            shown = false;
            finish = "other";
            break;
        }
      }
    } catch (err) {
      // Keep what the user already saw, so the next turn's context matches the screen; drop half-made tool calls.
      const partial = { ...assistant, toolCalls: [] };
      if (partial.text || partial.thinking.length) history.push(partial);
      for (const id of announced) {
        await io.update({ sessionUpdate: "tool_call_update", toolCallId: id, status: "failed" });
      }
      if (signal.aborted) return { stopReason: "cancelled" };
      const error = describeProviderError(err, config);
      deps.log("warn", "model request failed", { error });
      await say(`${assistant.text ? "\n\n" : ""}⚠️ ${error}`);
      return { stopReason: "end_turn", error };
    }

    history.push(assistant);
    if (!assistant.toolCalls.length) {
      if (finish === "max_tokens") return { stopReason: "max_tokens" };
      if (finish === "refusal") return { stopReason: "refusal" };
      return { stopReason: "end_turn" };
    }

    const results: ToolResult[] = [];
    for (const call of assistant.toolCalls) {
      if (signal.aborted) {
        results.push({ id: call.id, name: call.name, content: "Not run: the user cancelled the turn.", isError: true });
        await io.update({ sessionUpdate: "tool_call_update", toolCallId: call.id, status: "failed" });
        continue;
      }
      results.push(await executeToolCall(deps, tools, call, signal));
    }
    // Every tool call gets its result, even when cancelled, so the history stays valid for the next turn.
    history.push({ role: "tool_results", results });
    deps.checkpoint?.();
    if (signal.aborted) return { stopReason: "cancelled" };
  }
}

function emptyAssistant(): Extract<ChatMessage, { role: "assistant" }> {
  return { role: "assistant", text: "", thinking: [], toolCalls: [] };
}

/**
 * Withdraws what a broken attempt showed: its tool calls fail (for clients that know no better)
 * and the replace marker tells clients that know it to replace message `messageId` and those
 * calls with what follows.
 */
async function withdraw(io: TurnIo, messageId: string, toolCallIds: Set<string>): Promise<void> {
  for (const id of toolCallIds) {
    await io.update({
      sessionUpdate: "tool_call_update",
      toolCallId: id,
      status: "failed",
      content: [textContent("Withdrawn: the model's answer broke off and was asked for again; this call never ran.")],
    });
  }
  const marker: ReplaceMarker = { messageId, toolCallIds: [...toolCallIds] };
  await io.update({
    sessionUpdate: "agent_message_chunk",
    messageId,
    content: { type: "text", text: "" },
    _meta: { [ACP_META.replace]: marker },
  });
}

function announce(tools: ToolSet, id: string, name: string): SessionUpdate {
  const tool = tools.find(name);
  return {
    sessionUpdate: "tool_call",
    toolCallId: id,
    // MCP tools' titles need no arguments ("strand: search_history"); built-in ones get theirs once complete.
    title: tool ? (tool.parameters ? tool.title({}) : tool.name.replace("_", " ")) : name,
    kind: tool?.kind ?? "other",
    status: "pending",
    rawInput: {},
  };
}

/** Once the arguments are complete: a real title and the file locations, for follow-along in the client. */
function describe(tools: ToolSet, call: ToolCallRequest, workspace: string): SessionUpdate {
  const tool = tools.find(call.name);
  const update: SessionUpdate = { sessionUpdate: "tool_call_update", toolCallId: call.id };
  if (!tool) return update;
  const parsed = parseArgs(tool, call.argsText);
  update.rawInput = parsed.raw;
  if (!parsed.ok) return update;
  update.title = tool.title(parsed.args);
  try {
    const locations = tool.locations?.(parsed.args, workspace);
    if (locations) update.locations = locations;
  } catch {
    // A path outside the workspace: the tool will refuse it when run.
  }
  return update;
}

async function executeToolCall(
  deps: TurnDeps,
  tools: ToolSet,
  call: ToolCallRequest,
  signal: AbortSignal,
): Promise<ToolResult> {
  const { io } = deps;
  const fail = async (content: string, extra: { display?: ToolCallContent[] } = {}): Promise<ToolResult> => {
    await io.update({
      sessionUpdate: "tool_call_update",
      toolCallId: call.id,
      status: "failed",
      content: extra.display ?? [textContent(content)],
    });
    return { id: call.id, name: call.name, content, isError: true };
  };

  const tool = tools.find(call.name);
  if (!tool) {
    return fail(`Unknown tool "${call.name}". Available tools: ${tools.names().join(", ")}.`);
  }
  const parsed = parseArgs(tool, call.argsText);
  if (!parsed.ok) return fail(parsed.error);

  const ctx: ToolContext = {
    workspace: deps.workspace,
    signal,
    files: deps.files,
    desktop: deps.desktop,
    config: deps.config,
    setPlan: (entries) => io.update({ sessionUpdate: "plan", entries }),
  };
  if (deps.config.permissions === "ask" && tool.needsPermission && !deps.alwaysAllowed.has(tool.name)) {
    const title = tool.title(parsed.args);
    // The diff the user is asked about; a call that cannot apply fails below with the real error.
    const content = await tool.preview?.(parsed.args, ctx).catch(() => undefined);
    const answer = await askPermission(
      deps,
      { toolCallId: call.id, title, kind: tool.kind, rawInput: parsed.raw, ...(content ? { content } : {}) },
      tool,
      signal,
    );
    if (answer === "cancelled") {
      await io.update({ sessionUpdate: "tool_call_update", toolCallId: call.id, status: "failed" });
      return { id: call.id, name: call.name, content: "Not run: the user cancelled the turn.", isError: true };
    }
    if (answer === "reject") {
      return fail(
        `The user denied permission for this call (${title}). Do not retry it as is: explain what you wanted to do, or take another approach.`,
      );
    }
    if (answer === "allow_always") deps.alwaysAllowed.add(tool.name);
  }

  await io.update({ sessionUpdate: "tool_call_update", toolCallId: call.id, status: "in_progress" });
  let outcome: ToolOutcome;
  try {
    outcome = await tool.run(parsed.args, ctx);
  } catch (err) {
    if (err instanceof ToolError) return fail(`Error: ${err.message}`);
    deps.log("warn", "tool failed", { tool: tool.name, error: (err as Error).message });
    return fail(`Error: ${tool.name} failed: ${(err as Error).message}`);
  }
  await io.update({
    sessionUpdate: "tool_call_update",
    toolCallId: call.id,
    status: outcome.isError ? "failed" : "completed",
    content: outcome.display ?? [textContent(outcome.content)],
    ...(outcome.locations ? { locations: outcome.locations } : {}),
    ...(outcome.rawOutput !== undefined ? { rawOutput: outcome.rawOutput } : {}),
  });
  return { id: call.id, name: call.name, content: outcome.content, isError: Boolean(outcome.isError) };
}

async function askPermission(
  deps: TurnDeps,
  toolCall: PermissionToolCall,
  tool: Tool,
  signal: AbortSignal,
): Promise<PermissionAnswer> {
  const options: PermissionOption[] = [
    { optionId: "allow_once", name: "Allow", kind: "allow_once" },
    {
      optionId: "allow_always",
      // MCP tools by their title ("strand: search_history"), built-in ones by name ("run command").
      name: `Always allow ${tool.parameters ? tool.title({}) : tool.name.replace("_", " ")}`,
      kind: "allow_always",
    },
    { optionId: "reject", name: "Reject", kind: "reject_once" },
  ];
  let chosen: string | undefined;
  try {
    chosen = await deps.io.askPermission(toolCall, options, signal);
  } catch (err) {
    if (signal.aborted) return "cancelled";
    deps.log("warn", "permission request failed; treating it as a refusal", { error: (err as Error).message });
    return "reject";
  }
  if (chosen === undefined || signal.aborted) return "cancelled";
  if (chosen === "allow_once" || chosen === "allow_always") return chosen;
  return "reject";
}

function textContent(text: string): ToolCallContent {
  return { type: "content", content: { type: "text", text } };
}

function describeProviderError(err: unknown, config: AgentConfig): string {
  const where =
    config.api === "anthropic" ? "ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY" : "OPENAI_BASE_URL / OPENAI_API_KEY";
  if (err instanceof ProviderError) {
    const s = err.status;
    let hint = "Send another prompt to try again.";
    if (s === 401 || s === 403) hint = `The key was refused: check ${where} (the session token).`;
    else if (s === 404) hint = `Check the model name (STRAND_AGENT_MODEL=${config.model}) and ${where}.`;
    else if (s === 400) hint = "The request was rejected; send another prompt to try again.";
    else if (s === undefined && /cannot reach/.test(err.message)) hint = `Check that the LLM proxy is up (${where}).`;
    return `The model request failed: ${err.message}. ${hint}`;
  }
  return `The model request failed unexpectedly: ${(err as Error)?.message ?? String(err)}. Send another prompt to try again.`;
}
