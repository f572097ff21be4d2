"""Vectorized numpy baseline for eos-atlas's trajectory kernel.

Runs the same (P̂, Q̂) map and the same streaming readouts as
shaders/uv-trajectory.wgsl (convergence run, peak loss, late-window range of
ηλ_H/2, Lyapunov tangent vector, period-detection masks), vectorized over
trajectories, in float32 like the kernel. Prints one JSON line with the
trajectory-steps per second.

Usage: python3 bench/numpy_uv.py STEPS STARTS_FILE
STARTS_FILE contains float32 triples (P̂, Q̂, ỹ), one per trajectory: the benchmark
writes the starts of the view that the WebGPU engine renders, so both run the
same trajectories.
"""

import json
import sys
import time

import numpy as np


def run(steps: int, starts_file: str) -> dict:
    f32 = np.float32
    starts = np.fromfile(starts_file, dtype=np.float32).reshape(-1, 3)
    trajectories = starts.shape[0]
    p = starts[:, 0].copy()
    q = starts[:, 1].copy()
    y_tilde = starts[:, 2].copy()
    late_start = steps - steps // 2
    tangent_start = max(0, late_start - 256)
    reference_step = steps - 128

    u_scale = np.abs(y_tilde)
    run_start = np.full(trajectories, -1, np.int32)
    peak = np.zeros(trajectories, f32)
    late_min = np.full(trajectories, np.inf, f32)
    late_max = np.full(trajectories, -np.inf, f32)
    tangent_p = np.full(trajectories, np.sqrt(0.5), f32)
    tangent_q = np.full(trajectories, np.sqrt(0.5), f32)
    log_sum = np.zeros(trajectories, f32)
    first = np.zeros(trajectories, np.uint64)
    second = np.zeros(trajectories, np.uint64)
    reference_p = p.copy()
    reference_q = q.copy()
    alive = np.ones(trajectories, bool)

    started = time.perf_counter()
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            if t > 0:
                u = p - q - y_tilde
                down = f32(1) - u
                up = f32(1) + u
                p = p * down * down
                q = q * up * up
            total = p + q
            alive &= np.isfinite(total) & (total <= f32(1e8))
            u = p - q - y_tilde
            u2 = u * u
            peak = np.maximum(peak, u2)
            converged = np.abs(u) <= f32(1e-4) * u_scale
            run_start = np.where(converged, np.where(run_start < 0, t, run_start), -1)
            if t >= late_start:
                eta_lambda = f32(2) * total
                w = p - q
                disc = eta_lambda * eta_lambda + f32(4) * u * (f32(2) * w + u)
                half = f32(0.5) * np.maximum(f32(0.5) * (eta_lambda + np.sqrt(np.maximum(disc, 0))), np.abs(u))
                late_min = np.minimum(late_min, half)
                late_max = np.maximum(late_max, half)
            if tangent_start <= t < steps:
                down = f32(1) - u
                up = f32(1) + u
                x = (down * down - f32(2) * p * down) * tangent_p + f32(2) * p * down * tangent_q
                y = f32(2) * q * up * tangent_p + (up * up - f32(2) * q * up) * tangent_q
                tangent_p, tangent_q = x, y
                # Renormalize every 8 steps (bounded orbits grow the vector by far less
                # than float32's range in 8 steps), as a vectorized code would.
                if t % 8 == 0 or t == late_start - 1 or t == steps - 1:
                    norm = np.sqrt(x * x + y * y)
                    if t >= late_start:
                        log_sum += np.log(norm)
                    tangent_p = x / norm
                    tangent_q = y / norm
            if t == reference_step:
                reference_p, reference_q = p.copy(), q.copy()
            elif reference_step >= 0 and reference_step < t <= reference_step + 128:
                j = t - reference_step
                close = np.abs(p - reference_p) + np.abs(q - reference_q) <= f32(1e-5) * (reference_p + reference_q)
                if j <= 64:
                    first |= np.where(close, np.uint64(1) << np.uint64(j - 1), np.uint64(0))
                if j % 2 == 0:
                    bit = np.uint64(1) << np.uint64(j // 2 - 1)
                    second |= np.where(close & ((first & bit) != 0), bit, np.uint64(0))
    seconds = time.perf_counter() - started
    return {
        "engine": f"numpy {np.__version__} float32, vectorized",
        "trajectories": trajectories,
        "steps": steps,
        "seconds": seconds,
        "stepsPerSecond": trajectories * (steps + 1) / seconds,
        "divergedFraction": float(1 - alive.mean()),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]), sys.argv[2])))
