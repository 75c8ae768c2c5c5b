import { describeGradingOn } from "./matrix-grading";

describeGradingOn("overlay2", /^ok +image store: overlay2 graphdriver/m, { remote: true });
