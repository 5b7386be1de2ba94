import * as assert from "node:assert/strict";
import {
  APP_MIN_MEMORY_MIB,
  FARGATE_MEMORY_MIB,
  fargateSize,
  fargateSizeProblem,
  sidecarShare,
} from "../../components/app-service/fargate";
import { ENVIRONMENTS, PROFILES } from "../../components/profiles";

describe("fargateSize", () => {
  it("converts vCPU and MiB to task definition units", () => {
    assert.deepEqual(fargateSize("web", 0.25, 512), { cpu: "256", memory: "512" });
    assert.deepEqual(fargateSize("web", 0.5, 1024), { cpu: "512", memory: "1024" });
    assert.deepEqual(fargateSize("web", 1, 2048), { cpu: "1024", memory: "2048" });
    assert.deepEqual(fargateSize("worker", 2, 16384), { cpu: "2048", memory: "16384" });
    assert.deepEqual(fargateSize("worker", 4, 30720), { cpu: "4096", memory: "30720" });
    assert.deepEqual(fargateSize("worker", 8, 61440), { cpu: "8192", memory: "61440" });
    assert.deepEqual(fargateSize("worker", 16, 122880), { cpu: "16384", memory: "122880" });
  });

  it("knows Fargate's table at its edges", () => {
    assert.deepEqual(FARGATE_MEMORY_MIB[0.25], [512, 1024, 2048]);
    assert.deepEqual(FARGATE_MEMORY_MIB[0.5], [1024, 2048, 3072, 4096]);
    assert.equal(FARGATE_MEMORY_MIB[1]?.[0], 2048);
    assert.equal(FARGATE_MEMORY_MIB[1]?.at(-1), 8192);
    assert.equal(FARGATE_MEMORY_MIB[4]?.at(-1), 30720);
    assert.deepEqual(FARGATE_MEMORY_MIB[8]?.slice(0, 2), [16384, 20480]);
    assert.deepEqual(FARGATE_MEMORY_MIB[16]?.slice(0, 2), [32768, 40960]);
  });

  it("accepts every profile's web and worker size", () => {
    for (const env of ENVIRONMENTS) {
      for (const tier of ["web", "worker"] as const) {
        const { cpu, memoryMiB } = PROFILES[env][tier];
        assert.doesNotThrow(() => fargateSize(tier, cpu, memoryMiB), `${env} ${tier}`);
      }
    }
  });

  const invalid: [string, number, number, string, string][] = [
    [
      "a CPU size Fargate does not have",
      0.3,
      1024,
      "loom:profile.web.cpu",
      "0.3 vCPU is not a Fargate size; allowed: 0.25, 0.5, 1, 2, 4, 8, 16 vCPU",
    ],
    [
      "3 vCPU",
      3,
      8192,
      "loom:profile.web.cpu",
      "3 vCPU is not a Fargate size; allowed: 0.25, 0.5, 1, 2, 4, 8, 16 vCPU",
    ],
    [
      "too much memory for 0.25 vCPU",
      0.25,
      3072,
      "loom:profile.web.memoryMiB",
      "3072 MiB is not a Fargate memory size for 0.25 vCPU; allowed: 512, 1024, 2048 MiB",
    ],
    [
      "too little memory for 1 vCPU",
      1,
      1024,
      "loom:profile.web.memoryMiB",
      "1024 MiB is not a Fargate memory size for 1 vCPU; allowed: 2048–8192 MiB in steps of 1024",
    ],
    [
      "memory off the 1 GiB step",
      2,
      4500,
      "loom:profile.web.memoryMiB",
      "4500 MiB is not a Fargate memory size for 2 vCPU; allowed: 4096–16384 MiB in steps of 1024",
    ],
    [
      "memory off the 4 GiB step at 8 vCPU",
      8,
      17408,
      "loom:profile.web.memoryMiB",
      "17408 MiB is not a Fargate memory size for 8 vCPU; allowed: 16384–61440 MiB in steps of 4096",
    ],
    [
      "above the 4 vCPU ceiling",
      4,
      32768,
      "loom:profile.web.memoryMiB",
      "32768 MiB is not a Fargate memory size for 4 vCPU; allowed: 8192–30720 MiB in steps of 1024",
    ],
  ];
  for (const [why, cpu, mem, propertyPath, message] of invalid) {
    it(`rejects ${why}`, () => {
      assert.throws(() => fargateSize("web", cpu, mem), { propertyPath, message });
    });
  }

  it("names the workload in the error", () => {
    assert.throws(() => fargateSize("worker", 0.25, 4096), { propertyPath: "loom:profile.worker.memoryMiB" });
  });

  it("exports the pure check settings reuses: which key, and why", () => {
    assert.equal(fargateSizeProblem(0.5, 1024), undefined);
    assert.deepEqual(fargateSizeProblem(3, 8192), {
      key: "cpu",
      reason: "3 vCPU is not a Fargate size; allowed: 0.25, 0.5, 1, 2, 4, 8, 16 vCPU",
    });
    assert.deepEqual(fargateSizeProblem(0.25, 4096), {
      key: "memoryMiB",
      reason: "4096 MiB is not a Fargate memory size for 0.25 vCPU; allowed: 512, 1024, 2048 MiB",
    });
  });
});

describe("sidecarShare", () => {
  it("reserves an eighth of the CPU (≥ 64 units) and a quarter of the memory (192–512 MiB) for the collector", () => {
    const share = (cpu: number, mem: number) => sidecarShare("web", fargateSize("web", cpu, mem));
    assert.deepEqual(share(0.25, 512), { cpu: 64, memory: 192 });
    assert.deepEqual(share(0.5, 1024), { cpu: 64, memory: 256 });
    assert.deepEqual(share(1, 2048), { cpu: 128, memory: 512 });
    assert.deepEqual(share(1, 3072), { cpu: 128, memory: 512 });
    assert.deepEqual(share(2, 4096), { cpu: 256, memory: 512 });
    assert.deepEqual(share(16, 122880), { cpu: 2048, memory: 512 });
  });

  it("leaves every profile's app at least APP_MIN_MEMORY_MIB", () => {
    for (const env of ENVIRONMENTS) {
      for (const tier of ["web", "worker"] as const) {
        const { cpu, memoryMiB } = PROFILES[env][tier];
        const share = sidecarShare(tier, fargateSize(tier, cpu, memoryMiB));
        assert.ok(memoryMiB - share.memory >= APP_MIN_MEMORY_MIB, `${env} ${tier}`);
        assert.ok(cpu * 1024 - share.cpu > 0, `${env} ${tier}`);
      }
    }
  });

  it("fails naming the workload when the app would keep too little", () => {
    assert.throws(() => sidecarShare("worker", { cpu: "256", memory: "256" }), {
      propertyPath: "loom:profile.worker.memoryMiB",
      message: "256 MiB leaves the app 64 MiB after the telemetry sidecar's 192 MiB; at least 256 MiB must remain",
    });
  });
});
