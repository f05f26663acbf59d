import { describe, expect, it } from "vitest";
import { ChatToResponsesStream, chatCompletionToResponses } from "./chat-response-to-responses.js";
import { responsesRequestToChat } from "./responses-request-to-chat.js";
import { type ChatChunk, DONE, type ResponsesRequest, type StreamEvent } from "./types.js";

const target = { model: "qwen", maxTokensField: "max_tokens" as const };

describe("responsesRequestToChat", () => {
  it("maps instructions, text input and parameters", () => {
    expect(
      responsesRequestToChat(
        {
          model: "p/qwen",
          instructions: "Be brief.",
          input: "hi",
          max_output_tokens: 50,
          temperature: 0.3,
          top_p: 0.8,
          user: "u",
          parallel_tool_calls: false,
          stream: true,
        },
        target,
      ),
    ).toEqual({
      model: "qwen",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.8,
      user: "u",
      parallel_tool_calls: false,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("maps message, function_call and function_call_output items; drops reasoning", () => {
    const out = responsesRequestToChat(
      {
        model: "m",
        input: [
          { role: "developer", content: "rules" },
          {
            type: "message",
            role: "user",
            content: [
              { type: "input_text", text: "look" },
              { type: "input_image", image_url: "https://x.test/a.png" },
            ],
          },
          { type: "reasoning", id: "rs_1", summary: [] },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "Calling." }] },
          { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
          { type: "function_call", call_id: "c2", name: "g", arguments: '{"a":1}' },
          { type: "function_call_output", call_id: "c1", output: "one" },
          { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "two" }] },
        ],
        tools: [{ type: "function", name: "f", description: "F", parameters: { type: "object" }, strict: true }],
        tool_choice: { type: "function", name: "f" },
      },
      target,
    );
    expect(out.messages).toEqual([
      { role: "developer", content: "rules" },
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image_url", image_url: { url: "https://x.test/a.png" } },
        ],
      },
      {
        role: "assistant",
        content: "Calling.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "f", arguments: "{}" } },
          { id: "c2", type: "function", function: { name: "g", arguments: '{"a":1}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "one" },
      { role: "tool", tool_call_id: "c2", content: "two" },
    ]);
    expect(out.tools).toEqual([
      { type: "function", function: { name: "f", description: "F", parameters: { type: "object" } } },
    ]);
    expect(out.tool_choice).toEqual({ type: "function", function: { name: "f" } });
  });

  it("maps JSON output formats", () => {
    const schema = { type: "object", properties: {} };
    expect(
      responsesRequestToChat(
        { model: "m", input: "x", text: { format: { type: "json_schema", name: "r", schema, strict: true } } },
        target,
      ).response_format,
    ).toEqual({ type: "json_schema", json_schema: { name: "r", schema, strict: true } });
    expect(
      responsesRequestToChat({ model: "m", input: "x", text: { format: { type: "json_object" } } }, target)
        .response_format,
    ).toEqual({
      type: "json_object",
    });
  });

  it("leaves out tools only OpenAI can run (built-in tools), keeping the functions and flattening tool groups", () => {
    const fn = { type: "function" as const, name: "exec_command", parameters: { type: "object" } };
    const chat = responsesRequestToChat(
      {
        model: "m",
        input: "x",
        tool_choice: "auto",
        tools: [fn, { type: "web_search" }, { type: "namespace", name: "multi_agent_v1", tools: [fn] } as never],
      },
      target,
    );
    expect(chat.tools?.map((t) => t.function.name)).toEqual(["exec_command", "multi_agent_v1__exec_command"]);
    expect(chat.tool_choice).toBe("auto");
    // Nothing left to call: the provider is told so rather than offered an empty list.
    const none = responsesRequestToChat(
      { model: "m", input: "x", tool_choice: "auto", tools: [{ type: "web_search" }] },
      target,
    );
    expect(none.tools).toBeUndefined();
    expect(none.tool_choice).toBe("none");
  });

  it("offers a namespace group's functions (Codex's MCP tools) by their flat name and answers calls as {name, namespace}", () => {
    const search = { type: "function", name: "search_history", description: "S", parameters: { type: "object" } };
    const req = {
      model: "m",
      input: [
        { role: "user" as const, content: "find it" },
        { type: "function_call", call_id: "c1", name: "search_history", namespace: "mcp__strand", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "found" },
      ],
      tools: [{ type: "namespace", name: "mcp__strand", tools: [search] }],
    } as never;
    const chat = responsesRequestToChat(req, target);
    expect(chat.tools).toEqual([
      {
        type: "function",
        function: { name: "mcp__strand__search_history", description: "S", parameters: { type: "object" } },
      },
    ]);
    // The earlier call, in the history, under the same flat name.
    expect(chat.messages.find((m) => m.role === "assistant")?.tool_calls?.[0]?.function.name).toBe(
      "mcp__strand__search_history",
    );
    const answer = chatCompletionToResponses(
      {
        id: "x",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [
          {
            index: 0,
            finish_reason: "tool_calls",
            message: {
              role: "assistant",
              content: null,
              tool_calls: [
                {
                  id: "c2",
                  type: "function",
                  function: { name: "mcp__strand__search_history", arguments: '{"query":"q"}' },
                },
              ],
            },
          },
        ],
      } as never,
      req,
    );
    expect(answer.output).toEqual([
      expect.objectContaining({
        type: "function_call",
        name: "search_history",
        namespace: "mcp__strand",
        call_id: "c2",
      }),
    ]);
  });

  it("refuses what needs OpenAI itself", () => {
    expect(() => responsesRequestToChat({ model: "m", input: "x", previous_response_id: "resp_1" }, target)).toThrow(
      /previous_response_id/,
    );
    expect(() => responsesRequestToChat({ model: "m", input: [{ type: "item_reference", id: "x" }] }, target)).toThrow(
      /input item type "item_reference"/,
    );
  });
});

const req: ResponsesRequest = { model: "p/qwen", input: "x", instructions: "I", tools: [] };

describe("chatCompletionToResponses", () => {
  it("maps text and tool calls into output items, with usage", () => {
    const r = chatCompletionToResponses(
      {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 99,
        model: "qwen",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: "Hi",
              tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
            },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 7, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 2 } },
      },
      req,
    );
    expect(r).toMatchObject({
      object: "response",
      created_at: 99,
      status: "completed",
      model: "qwen",
      instructions: "I",
      output: [
        {
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Hi", annotations: [] }],
        },
        { type: "function_call", call_id: "call_1", name: "f", arguments: "{}", status: "completed" },
      ],
      usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10, input_tokens_details: { cached_tokens: 2 } },
    });
    expect(r.id).toMatch(/^resp_/);
  });

  it("marks a length stop incomplete", () => {
    const r = chatCompletionToResponses(
      {
        id: "c",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "cut" }, finish_reason: "length" }],
      },
      req,
    );
    expect(r).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
  });
});

const chunk = (delta: ChatChunk["choices"][number]["delta"], finish: string | null = null): StreamEvent => ({
  data: {
    id: "c",
    object: "chat.completion.chunk",
    created: 1,
    model: "qwen",
    choices: [{ index: 0, delta, finish_reason: finish }],
  },
});

describe("ChatToResponsesStream", () => {
  it("emits the lifecycle, item and delta events in order, numbered", () => {
    const t = new ChatToResponsesStream(req);
    const events = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }),
      chunk({}, "tool_calls"),
      {
        data: {
          id: "c",
          object: "chat.completion.chunk",
          created: 1,
          model: "qwen",
          choices: [],
          usage: { prompt_tokens: 5, completion_tokens: 4 },
        },
      },
      { data: DONE },
    ].flatMap((e) => t.push(e));
    expect(events.map((e) => e.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const data = events.map((e) => e.data as Record<string, unknown>);
    expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i));
    expect(data.every((d, i) => d.type === events[i]?.event)).toBe(true);
    expect(data[6]).toMatchObject({ text: "Hello", output_index: 0 });
    expect(data[12]).toMatchObject({ arguments: '{"a":1}', output_index: 1 });
    expect(data[14]).toMatchObject({
      response: {
        status: "completed",
        output: [
          { type: "message", status: "completed", content: [{ text: "Hello" }] },
          { type: "function_call", call_id: "call_1", name: "f", arguments: '{"a":1}', status: "completed" },
        ],
        usage: { input_tokens: 5, output_tokens: 4, total_tokens: 9 },
      },
    });
    expect(t.end()).toEqual([]);
  });

  it("ends with response.incomplete on a length stop, even without [DONE]", () => {
    const t = new ChatToResponsesStream(req);
    const events = [...t.push(chunk({ content: "cut" }, "length")), ...t.end()];
    expect(events.at(-1)).toMatchObject({ event: "response.incomplete", data: { response: { status: "incomplete" } } });
  });

  it("reports a provider error as an error event", () => {
    const t = new ChatToResponsesStream(req);
    t.push(chunk({ content: "x" }));
    expect(t.push({ data: { error: { message: "boom" } } })[0]).toMatchObject({
      event: "error",
      data: { type: "error", message: "boom", error: { message: "boom" } },
    });
  });
});
