export { main, type Output, untilSignal } from "./main.ts";
export { parseProxyArgs, type ProxyArgs, PROXY_USAGE } from "./proxy_args.ts";
export { type ListenOptions, type RunningProxy, startProxy } from "./start_proxy.ts";
export { UsageError } from "./usage_error.ts";
