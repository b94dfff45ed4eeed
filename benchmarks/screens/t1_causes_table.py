"""Print the T1 screen (``benchmarks/screens/t1_causes.sh``) as a Markdown table: one row per change."""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "results" / "t1_causes"

for path in sorted(OUT.glob("*.json"), key=lambda p: p.stat().st_mtime):
    data = json.loads(path.read_text())
    for row in data["rows"]:
        fell = ", ".join("-" if t is None else f"{t:.1f}" for t in row["fell_at_s"])
        seeds = f"{row['seed_list'][0]}–{row['seed_list'][-1]}"
        print(f"| {path.stem} | {row['num_samples']}/{row['num_elites']} | {row['push_n']:.0f} N | seeds {seeds} | "
              f"**{row['falls']}/{row['seeds']}** ({fell}) | {row['joint_rms_rad']:.3f} | {row['planning_p50_ms']:.1f} ms |")
