"""MJX rollouts: a batch of control sequences simulated inside a JAX function."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mujoco
from mujoco import mjx

from g1mpc.planning.backends import check_far_model


def make_mjx_rollout(model: mujoco.MjModel, unroll: int = 1, far_model: mujoco.MjModel | None = None,
                     near_steps: int | None = None):
    """Return ``rollout(time, qpos, qvel, controls (N,H,nu)) -> qpos, qvel, sensordata`` (N,H,·): the first
    ``near_steps`` steps on ``model``, the rest on ``far_model`` if given (as :class:`~g1mpc.planning.backends.native.NativeRollout`).

    ``unroll`` steps run per trip of the compiled loop (``jax.lax.scan``'s unroll).
    """
    check_far_model(far_model, near_steps)
    near_mjx = mjx.put_model(model)
    far_mjx = None if far_model is None else mjx.put_model(far_model)

    def scan(mjx_model, data, controls):
        def step(d, u):
            d = mjx.step(mjx_model, d.replace(ctrl=u))
            return d, (d.qpos, d.qvel, d.sensordata)

        return jax.lax.scan(step, data, controls, unroll=unroll)

    def single(time, qpos, qvel, controls):
        data = mjx.make_data(near_mjx).replace(qpos=qpos, qvel=qvel, time=time)
        near = controls.shape[0] if far_mjx is None else min(controls.shape[0], near_steps)
        data, out = scan(near_mjx, data, controls[:near])
        if near == controls.shape[0]:
            return out
        _, far_out = scan(far_mjx, data, controls[near:])
        return tuple(jnp.concatenate(pair) for pair in zip(out, far_out, strict=True))

    def batch(time, qpos, qvel, controls):
        f32 = lambda x: jnp.asarray(x, jnp.float32)
        # Full float32 products: NVIDIA GPUs otherwise default to TF32 (10-bit mantissa) for float32.
        with jax.default_matmul_precision("highest"):
            return jax.vmap(single, in_axes=(None, None, None, 0))(f32(time), f32(qpos), f32(qvel), f32(controls))

    return batch
