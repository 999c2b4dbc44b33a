// Entry of the compiled binary (scripts/build.ts): the CLI, run as the main program.
import { main } from "../../cli.ts";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
