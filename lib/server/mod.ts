export { Credentials } from "./credentials.ts";
export { answerLocally, type ClientState, NO_AUTH_COMMANDS } from "./local_commands.ts";
export { ProxyServer, type ProxyServerOptions } from "./proxy_server.ts";
export { Session, type SessionOptions } from "./session.ts";
