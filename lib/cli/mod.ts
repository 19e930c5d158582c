export { main, type Output, untilSignal } from "./main.ts";
export { parseProxyArgs, PROXY_USAGE, type ProxyArgs } from "./proxy_args.ts";
export { type ListenOptions, type RunningProxy, startProxy } from "./start_proxy.ts";
export { UsageError } from "./usage_error.ts";
export { localServerConfig, runDemo } from "./demo.ts";
