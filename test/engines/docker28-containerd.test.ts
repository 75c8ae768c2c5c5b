import { describeGradingOn } from "./matrix-grading";

describeGradingOn("containerd", /^ok +image store: containerd snapshotter/m, { remote: false });
