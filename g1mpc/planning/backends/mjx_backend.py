"""MJX rollouts: a batch of control sequences simulated inside a JAX function."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mujoco
from mujoco import mjx


def make_mjx_rollout(model: mujoco.MjModel, unroll: int = 1):
    """Return ``rollout(time, qpos, qvel, controls (N,H,nu)) -> qpos, qvel, sensordata`` (N,H,·).

    ``unroll`` steps run per trip of the compiled loop (``jax.lax.scan``'s unroll).
    """
    mjx_model = mjx.put_model(model)

    def single(time, qpos, qvel, controls):
        data = mjx.make_data(mjx_model).replace(qpos=qpos, qvel=qvel, time=time)

        def step(d, u):
            d = mjx.step(mjx_model, d.replace(ctrl=u))
            return d, (d.qpos, d.qvel, d.sensordata)

        _, out = jax.lax.scan(step, data, controls, unroll=unroll)
        return out

    def batch(time, qpos, qvel, controls):
        f32 = lambda x: jnp.asarray(x, jnp.float32)
        # Full float32 products: NVIDIA GPUs otherwise default to TF32 (10-bit mantissa) for float32.
        with jax.default_matmul_precision("highest"):
            return jax.vmap(single, in_axes=(None, None, None, 0))(f32(time), f32(qpos), f32(qvel), f32(controls))

    return batch
