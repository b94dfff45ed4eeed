"""``run_policy_aot.py``: load (or create) the precompiled hybrid pipeline and run it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from g1mpc import aot
from g1mpc.cli import load_network, resolve_mode, resolve_preset, run_config_from_args, simulate, validate
from g1mpc.errors import UserError, require_checkpoint_file


def prepare_precompiled(args, log=print):
    """Return (assembly, network params, header lines) with the stages and models loaded, or built first.

    The manifest is checked from sources only (config, file hashes, versions): a matching artifact is
    loaded without compiling anything, neither JAX functions nor MuJoCo models.
    """
    from g1mpc.assembly import assemble

    aot.enable_persistent_cache(args.precompiled_dir)  # before anything compiles
    run_config = run_config_from_args(args, "hybrid")
    require_checkpoint_file(args.model_path)
    manifest = aot.expected_manifest(run_config, args.model_path)  # hashes the checkpoint's bytes: no torch needed
    header = [f"precompiled dir {args.precompiled_dir}"]
    tic = time.perf_counter()
    reason = "--recompile given" if args.recompile else None
    if reason is None:
        try:
            aot.check(args.precompiled_dir, manifest)
            params = aot.load_network_params(args.precompiled_dir)
            # MuJoCo reads its models without holding the GIL: load them while JAX loads the stages.
            with ThreadPoolExecutor(max_workers=1) as pool:
                models_loading = pool.submit(aot.load_task_models, args.precompiled_dir, run_config.planner_model)
                stages = aot.load(args.precompiled_dir, run_config.controller.backend)
                models = models_loading.result()
            assembly = assemble(run_config, nthread=args.nthread, models=models, stages=stages)
            header.append(f"loaded precompiled pipeline in {time.perf_counter() - tic:.2f} s")
            return assembly, params, header
        except aot.StaleArtifact as exc:
            reason = str(exc)
    log(f"[g1mpc] building the precompiled pipeline ({reason}) ...")
    assembly = assemble(run_config, nthread=args.nthread, jit=False)
    params = load_network(args.model_path, assembly)  # validates the checkpoint against this task
    try:
        aot.build(args.precompiled_dir, assembly.stages, assembly, params, manifest)
    except OSError as exc:
        assembly.close()
        raise UserError(
            f"--precompiled_dir: cannot write '{args.precompiled_dir}' ({exc.strerror or exc}); "
            "choose a writable directory with free space"
        ) from None
    assembly.stages = aot.load(args.precompiled_dir, run_config.controller.backend)
    header.append(f"created precompiled pipeline in {time.perf_counter() - tic:.2f} s ({reason})")
    return assembly, params, header


def cmd_run_aot(args) -> int:
    args.hybrid = True
    resolve_mode(args)
    resolve_preset(args)
    validate(args)
    assembly, params, header = prepare_precompiled(args)
    try:
        simulate(args, "hybrid", assembly, params, extra_header=header)
    finally:
        assembly.close()
    return 0
