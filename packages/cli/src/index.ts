export { buildProgram, main } from "./main.js";
export * from "./sdk/index.js";
