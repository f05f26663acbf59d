// One list of error answers, from the route table, for routes not yet registered from it.
export { ERROR_RESPONSES } from "@strand/protocol";
