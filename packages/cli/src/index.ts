export * from "@strand/sdk";
export { buildProgram, main } from "./main.js";
