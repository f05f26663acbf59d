/**
 * The subset of Google's Generative Language API (`v1beta`, REST JSON, camelCase) the Gemini
 * translators read and write: what `@google/genai` (and so Gemini CLI) sends to
 * `models/<model>:generateContent` and `:streamGenerateContent`, and the answers it reads.
 * Loose on purpose: fields not named here are ignored, not rejected.
 */

export interface GeminiFunctionCall {
  id?: string;
  name: string;
  args?: Record<string, unknown>;
}

export interface GeminiFunctionResponse {
  id?: string;
  name: string;
  /** Conventionally `{output: …}` or `{error: …}`; any JSON object. */
  response?: Record<string, unknown>;
  /** Multimodal results (images a tool read); rare. */
  parts?: GeminiPart[];
}

export interface GeminiPart {
  text?: string;
  /** A reasoning summary the model wrote; never part of the answer. */
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
  [k: string]: unknown;
}

export interface GeminiContent {
  role?: "user" | "model" | "function" | string;
  parts?: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** OpenAPI-style schema, types in upper case (`OBJECT`, `STRING`). */
  parameters?: unknown;
  /** Plain JSON Schema; Gemini CLI sends its tools this way. */
  parametersJsonSchema?: unknown;
}

export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  [k: string]: unknown;
}

export interface GeminiToolConfig {
  functionCallingConfig?: { mode?: "AUTO" | "ANY" | "NONE" | "VALIDATED" | string; allowedFunctionNames?: string[] };
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseSchema?: unknown;
  responseJsonSchema?: unknown;
  thinkingConfig?: unknown;
  [k: string]: unknown;
}

export interface GeminiRequest {
  contents?: GeminiContent[];
  systemInstruction?: GeminiContent | string;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
  [k: string]: unknown;
}

export type GeminiFinishReason = "STOP" | "MAX_TOKENS" | "SAFETY" | "OTHER" | "MALFORMED_FUNCTION_CALL";

export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
}

export interface GeminiCandidate {
  content: { role: "model"; parts: GeminiPart[] };
  finishReason?: GeminiFinishReason;
  index: number;
}

export interface GeminiResponse {
  candidates: GeminiCandidate[];
  usageMetadata?: GeminiUsageMetadata;
  modelVersion: string;
  responseId: string;
}
