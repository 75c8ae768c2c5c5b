import { statfsSync } from "node:fs";
import Dockerode from "dockerode";
import { loadStandIns, startMatrixEngine, type EngineMode, type MatrixEngine } from "../helpers/engine-matrix";
import { loadLabSpec } from "../../grader/lab/lab-spec";

export interface SmallDiskEngine {
  matrix: MatrixEngine;
  docker: Dockerode;
  stop: () => Promise<void>;
  /** The engine's data root, as this process sees it: a test may put a file there. */
  dataRoot: string;
  /** Its free space, as the grader reads it. */
  freeBytes: () => number;
}

/** A matrix engine storing everything on a filesystem of `mib` of its own (see start-engine.sh), with Lab 42's stand-ins. */
export async function startSmallDiskEngine(mode: EngineMode, mib: number): Promise<SmallDiskEngine> {
  const matrix = await startMatrixEngine(mode, { dataDiskMb: mib });
  await loadStandIns(matrix, loadLabSpec("specs/lab42.yaml").baseImages);
  return {
    matrix,
    docker: new Dockerode({ socketPath: matrix.socketPath }),
    stop: matrix.stop,
    dataRoot: matrix.dataRoot,
    freeBytes: () => {
      const stats = statfsSync(matrix.dataRoot);
      return stats.bavail * stats.bsize;
    },
  };
}
