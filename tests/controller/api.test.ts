/** The HTTP API of a foreground `up` with runs executed in the controller's own thread. */
import { describeApi } from "./api-cases.ts";

describeApi("controller API (in-process runs)", false);
