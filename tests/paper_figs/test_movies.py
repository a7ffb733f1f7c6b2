"""The PRX Supplemental movies (paper_figs.movies): frames, formats, data and command line, at the tiny size."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image, ImageSequence

from paper_figs import MOVIES, make_movie, prx_fig3
from paper_figs.movies import (
    MovieFrames,
    movie_params,
    movie_spec,
    write_mp4,
)
from verify.models import PRXChain
from verify.records import simulate_prx_exact

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_movie(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """The J_sd = 2 movie at the tiny size (10 sites, exact evolver, 9 frames), with no ffmpeg to be found."""
    out = tmp_path_factory.mktemp("movie")
    with matplotlib.rc_context({"animation.ffmpeg_path": str(out / "no-ffmpeg-here")}):
        return out, make_movie("prx-movie-jsd2", size="tiny", out=out)


def test_movie_writes_every_output_with_one_frame_per_output_time(tiny_movie) -> None:
    out, paths = tiny_movie
    assert {"gif", "png", "pdf", "npz", "json"} <= set(paths) and all(p.is_file() for p in paths.values())
    meta = json.loads(paths["json"].read_text())
    data = np.load(paths["npz"])
    n_t = data["t"].size
    assert meta["frames"] == n_t == round(movie_params("prx-movie-jsd2", "tiny")["t_max"] / 0.5) + 1
    gif = Image.open(paths["gif"])
    assert gif.n_frames == n_t and gif.info["duration"] == 1000 // meta["params"]["fps"]
    frames = [np.asarray(f.convert("RGB"), dtype=float) for f in ImageSequence.Iterator(gif)]
    assert all(np.abs(frames[k + 1] - frames[k]).max() > 0 for k in range(n_t - 1))  # every frame moves
    assert meta["formats"] == ["gif"] and meta["ffmpeg"] is None and "mp4" not in paths  # GIF without ffmpeg
    assert not list(out.glob(".*.tmp"))


def test_movie_data_is_the_run_at_the_movie_coupling(tiny_movie) -> None:
    """The frames hold the exact run of the PRX chain at J_sd = 2 (an independent exact run agrees to
    round-off), which differs from the J_sd = 0.5 run by far more: the coupling reached the model."""
    _, paths = tiny_movie
    data = np.load(paths["npz"])
    params = movie_params("prx-movie-jsd2", "tiny")
    chain = {**params["model"], "n_e": params["n_e"]}
    strong = simulate_prx_exact(PRXChain(**chain), t_max=params["t_max"], dt_out=params["dt_out"])
    weak = simulate_prx_exact(PRXChain(**{**chain, "j_sd": 0.5}), t_max=params["t_max"], dt_out=params["dt_out"])
    assert np.abs(data["spin_z"] - strong.arrays["spin"][..., 2]).max() < 1e-12
    assert np.abs(data["spin_purity"] - strong.arrays["spin_purity"]).max() < 1e-12
    assert np.abs(data["density"] - strong.arrays["density"]).max() < 1e-12
    assert np.abs(data["spin_z"] - weak.arrays["spin"][..., 2]).max() > 1e-2
    # collinear: S^x = S^y = 0, so the purity |S_i| is |S^z_i| (PRX Sec. IV)
    assert np.abs(data["spin_purity"] - np.abs(data["spin_z"])).max() < 1e-10


def test_blitted_frames_equal_full_redraws(tiny_movie) -> None:
    """Blitting draws only the moving artists onto the static background: each frame must be the pixels
    of a full redraw of the figure at that time — not of another time (a stale or ghost artist). The
    only pixels allowed to differ are where a static artist (a spine, the zero line, a tick) crosses a
    moving one, since blitting draws the moving ones last: measured ≤ 0.21 % of the pixels, against
    ≥ 1.4 % between neighbouring times."""
    _, paths = tiny_movie
    data = dict(np.load(paths["npz"]))
    from paper_figs.style import style_context

    with style_context():
        frames = MovieFrames(data, "title", None)
        blitted = list(frames.rgb_frames(60))
        full = []
        for k in range(len(blitted)):
            frames.draw(k)
            frames.canvas.draw()
            full.append(np.asarray(frames.canvas.buffer_rgba())[..., :3].copy())
    for k, frame in enumerate(blitted):
        differ = [np.any(frame != other, axis=-1).mean() for other in full]
        assert differ[k] < 0.005, (k, differ[k])
        assert all(differ[k] < differ[j] / 5 for j in range(len(full)) if j != k), (k, differ)


def test_mp4_goes_through_ffmpeg_with_every_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With an ffmpeg on the path (a stub that stores its stdin and arguments), MP4 is written from the same
    frames: rgb24 raw video of the frame size, one frame's bytes per output time; a failing ffmpeg raises
    with its message — also one that exits before reading its input — and leaves no file."""
    stub = tmp_path / "ffmpeg"
    stub.write_text(f"#!{sys.executable}\nimport sys, json\n"
                    "if 'EARLY' in sys.argv[-1]: sys.stderr.write('cannot encode'); sys.exit(4)\n"
                    "data = sys.stdin.buffer.read()\n"
                    "if 'FAIL' in sys.argv[-1]: sys.exit(3)\n"
                    "open(sys.argv[-1], 'w').write(json.dumps({'bytes': len(data), 'args': sys.argv[1:]}))\n")
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setitem(matplotlib.rcParams, "animation.ffmpeg_path", str(stub))
    paths = make_movie("prx-movie-jsd0.5", size="tiny", out=tmp_path / "out")
    written = json.loads(paths["mp4"].read_text())
    n_t = np.load(paths["npz"])["t"].size
    width, height = (int(v) for v in written["args"][written["args"].index("-s") + 1].split("x"))
    assert written["bytes"] == n_t * width * height * 3
    assert (width, height) == Image.open(paths["gif"]).size
    assert json.loads(paths["json"].read_text())["formats"] == ["gif", "mp4"]
    frame = np.zeros((4, 6, 3), dtype=np.uint8)
    with pytest.raises(RuntimeError, match="ffmpeg failed"):
        write_mp4(tmp_path / "FAIL.mp4", [frame, frame], 10, str(stub))
    big = np.zeros((300, 400, 3), dtype=np.uint8)  # 360 kB a frame: more than a pipe holds
    with pytest.raises(RuntimeError, match=r"ffmpeg failed \(4\): cannot encode"):  # stopped reading: not BrokenPipe
        write_mp4(tmp_path / "EARLY.mp4", [big] * 5, 10, str(stub))
    assert not (tmp_path / "FAIL.mp4").exists() and not (tmp_path / "EARLY.mp4").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_quick_movie_at_the_paper_coupling_shares_the_fig3_run() -> None:
    """The J_sd = 0.5 movie animates the run of PRX Fig. 3 (one cache entry), at every size."""
    for size in ("quick", "full"):
        movie = movie_spec(movie_params("prx-movie-jsd0.5", size))
        assert movie.key() == prx_fig3.run_specs(prx_fig3.params(size))[0].key()
    assert movie_spec(movie_params("prx-movie-jsd2", "full")).model.j_sd == 2.0 and set(MOVIES) == {
        "prx-movie-jsd0.5", "prx-movie-jsd2"}


def test_movie_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown movie"):
        movie_params("prx-movie-jsd9")
    with pytest.raises(ValueError, match="unknown size"):
        movie_params("prx-movie-jsd2", "huge")


@pytest.mark.parametrize(("argv", "message"), [
    (["movie"], "needs one movie name"),
    (["movie", "nope"], "unknown movie"),
    (["prx-fig3", "prx-movie-jsd2"], "unexpected argument"),
    (["list", "extra"], "unexpected argument"),
    (["movie", "prx-movie-jsd2", "--set", "t_max=3"], "--set applies to figures"),
])
def test_movie_command_line_refusals(argv: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "paper_figs", *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr


def test_movie_command_line_writes_the_movie(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "paper_figs", "movie", "prx-movie-jsd2", "--size", "tiny", "--out",
                           str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "prx-movie-jsd2 (tiny)" in proc.stdout and (tmp_path / "prx-movie-jsd2.gif").is_file()
