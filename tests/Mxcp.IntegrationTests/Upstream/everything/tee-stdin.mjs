// Runs `node <script> [args...]` with this process's standard input copied, as received, to <log>: what an upstream
// server was sent (requests, their _meta, notifications/cancelled) can then be read by the test.
// Usage: node tee-stdin.mjs <log> <script> [args...]
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

const [log, script, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "inherit", "inherit"] });
process.stdin.on("data", (chunk) => {
  appendFileSync(log, chunk);
  child.stdin.write(chunk);
});
process.stdin.on("end", () => child.stdin.end());
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => child.kill(signal));
}
