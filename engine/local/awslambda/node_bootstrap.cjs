// The Node.js runtime of scenario-run's local Lambda: loads _HANDLER from LAMBDA_TASK_ROOT and runs the
// Lambda Runtime API loop, as the Node.js runtime interface client does on AWS.
//
// Handlers may be CommonJS or ES modules (.js, .mjs, .cjs; import() loads both), async or callback
// style. Console output is written the way the managed runtime writes it: a timestamp, the request id
// and the level before each message, with newlines inside a message turned into carriage returns so
// that one console.log stays one log event. When the Runtime API goes away (the run that started this
// process ended), the loop ends and so does the process.
"use strict";

const http = require("node:http");
const path = require("node:path");
const fs = require("node:fs");
const util = require("node:util");
const { pathToFileURL } = require("node:url");

const [apiHost, apiPort] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId;

function request(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: Number(apiPort), method, path: urlPath, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function post(urlPath, value, headers) {
  const body = Buffer.from(value === undefined ? "null" : JSON.stringify(value));
  return request("POST", urlPath, body, { "Content-Type": "application/json", "Content-Length": body.length, ...headers });
}

function patchConsole() {
  const write = (level) => (...args) => {
    const message = util.format(...args).replace(/\n/g, "\r");
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
  };
  console.log = write("INFO");
  console.info = write("INFO");
  console.warn = write("WARN");
  console.error = write("ERROR");
  console.debug = write("DEBUG");
  console.trace = write("TRACE");
}

function errorBody(error, fallbackType) {
  if (error instanceof Error) {
    const trace = String(error.stack || "").split("\n");
    return { errorType: error.name || fallbackType, errorMessage: error.message, trace };
  }
  return { errorType: fallbackType, errorMessage: typeof error === "string" ? error : JSON.stringify(error), trace: [] };
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler ${spec}`), { lambdaType: "Runtime.MalformedHandlerName" });
  }
  const modulePath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split(".");
  const base = path.resolve(root, modulePath);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((candidate) => fs.existsSync(candidate));
  if (!file) {
    const message = `Error: Cannot find module '${modulePath}'`;
    throw Object.assign(new Error(message), { name: "Runtime.ImportModuleError", lambdaType: "Runtime.ImportModuleError" });
  }
  const loaded = await import(pathToFileURL(file).href);
  let handler = loaded;
  for (const name of names) handler = handler == null ? undefined : handler[name];
  if (handler === undefined && loaded.default) {
    handler = loaded.default;
    for (const name of names) handler = handler == null ? undefined : handler[name];
  }
  if (typeof handler !== "function") {
    const message = `${spec} is undefined or not exported`;
    throw Object.assign(new Error(message), { name: "Runtime.HandlerNotFound", lambdaType: "Runtime.HandlerNotFound" });
  }
  return handler;
}

function context(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

// Async handlers answer with their promise; callback-style ones with the callback (or context.done).
function run(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    ctx.done = finish;
    ctx.succeed = (result) => finish(null, result);
    ctx.fail = (error) => finish(error === undefined ? new Error("handled") : error);
    try {
      const returned = handler(event, ctx, finish);
      if (returned && typeof returned.then === "function") returned.then((r) => finish(null, r), (e) => finish(e));
      else if (handler.length < 3) finish(null, returned);
    } catch (error) {
      finish(error);
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const body = errorBody(error, "Runtime.UserCodeError");
    if (error && error.lambdaType) body.errorType = error.lambdaType;
    console.error(`${body.errorType}: ${body.errorMessage}`);
    await post("/2018-06-01/runtime/init/error", body, { "Lambda-Runtime-Function-Error-Type": body.errorType });
    process.exit(1);
  }
  for (;;) {
    const next = await request("GET", "/2018-06-01/runtime/invocation/next");
    if (next.status !== 200) process.exit(0);
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"] || "";
    const invocation = `/2018-06-01/runtime/invocation/${requestId}`;
    try {
      const result = await run(handler, JSON.parse(next.body.toString("utf8")), context(next.headers));
      await post(`${invocation}/response`, result);
    } catch (error) {
      const body = errorBody(error, "Error");
      console.error(`Invoke Error \t${JSON.stringify(body)}`);
      await post(`${invocation}/error`, body, { "Lambda-Runtime-Function-Error-Type": body.errorType });
    }
  }
}

// An unhandled rejection ends the process, as in Lambda's runtime (Invoke then reports Runtime.ExitError).
main().catch(() => process.exit(1));
