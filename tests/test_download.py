"""The d4rl source against a local HTTP server on 127.0.0.1 serving files the tests write."""

import hashlib
import http.server
import socket
import threading

import h5py
import numpy as np
import pytest

from diffirl import paths
from diffirl.data.d4rl_source import DownloadError, download
from diffirl.data.format import DatasetError, read_dataset, read_provenance
from diffirl.data.sources import build_datasets
from diffirl.envs import get_environment
from diffirl.envs.maze import D4RL_PARTICLE_OFFSET, U_MAZE
from diffirl.params.schema import RemoteFile


class Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    #: paths whose response announces more bytes than it sends
    truncated: set[str] = set()

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        announced = len(body) * 2 if self.path in self.truncated else len(body)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.files, Handler.truncated = {}, set()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler
    httpd.shutdown()
    httpd.server_close()


def d4rl_maze_bytes(tmp_path, n=40):
    """A small file in D4RL's maze2d layout: (row, column) positions with the particle offset."""
    rng = np.random.default_rng(0)
    cells = U_MAZE.free_cells[rng.integers(len(U_MAZE.free_cells), size=n)].astype(np.float32)
    observations = np.concatenate([cells - D4RL_PARTICLE_OFFSET, rng.normal(size=(n, 2))], axis=1).astype(np.float32)
    goals = np.repeat(np.array([[3.0, 3.0], [1.0, 1.0]], dtype=np.float32), n // 2, axis=0)
    path = tmp_path / "maze2d.hdf5"
    with h5py.File(path, "w") as file:
        file["observations"] = observations
        file["actions"] = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
        file["rewards"] = np.zeros(n, dtype=np.float32)
        file["terminals"] = np.zeros(n, dtype=bool)
        file["timeouts"] = np.zeros(n, dtype=bool)
        file["infos/goal"] = goals
    return path.read_bytes(), cells


def remote(url, body=None, sha=None):
    return RemoteFile(url=url, sha256=sha if sha is not None else (hashlib.sha256(body).hexdigest() if body else None))


def test_download_verifies_and_converts_a_maze_file(server, tmp_path, monkeypatch, smoke_params):
    base, handler = server
    body, cells = d4rl_maze_bytes(tmp_path)
    handler.files["/maze2d-umaze.hdf5"] = body
    monkeypatch.chdir(tmp_path)
    settings = smoke_params.datasets.umaze.model_copy(
        update={"source": "d4rl", "d4rl": {"base": remote(f"{base}/maze2d-umaze.hdf5", body)}}
    )
    build_datasets(get_environment("umaze"), settings, progress=False)
    dataset = read_dataset(paths.dataset_file("umaze", "base"))
    np.testing.assert_allclose(dataset.observations[:, :2], U_MAZE.cell_to_xy(cells), atol=1e-5)
    assert [e.stop - e.start for e in dataset.episodes()] == [20, 20]  # split where the goal changes
    record = read_provenance(paths.dataset_file("umaze", "base"))
    assert record["source"] == "d4rl" and record["download_sha256"] == hashlib.sha256(body).hexdigest()
    assert record["sha256_verified"] is True
    assert sorted(p.name for p in (tmp_path / "data/datasets/umaze").iterdir()) == ["base.hdf5", "base.json"]


def test_checksum_mismatch_leaves_nothing(server, tmp_path, monkeypatch, smoke_params):
    base, handler = server
    body, _ = d4rl_maze_bytes(tmp_path)
    handler.files["/maze.hdf5"] = body
    monkeypatch.chdir(tmp_path)
    settings = smoke_params.datasets.umaze.model_copy(
        update={"source": "d4rl", "d4rl": {"base": remote(f"{base}/maze.hdf5", sha="0" * 64)}}
    )
    with pytest.raises(DownloadError, match="sha256 .* expected 0000"):
        build_datasets(get_environment("umaze"), settings, progress=False)
    out = tmp_path / "data/datasets/umaze"
    assert not out.exists() or list(out.iterdir()) == []


def test_truncated_transfer_is_refused(server, tmp_path):
    base, handler = server
    handler.files["/cut.hdf5"] = b"x" * 5000
    handler.truncated.add("/cut.hdf5")
    destination = tmp_path / "cut.hdf5"
    with pytest.raises(DownloadError, match="truncated"):
        download(remote(f"{base}/cut.hdf5"), destination)
    assert list(tmp_path.iterdir()) == []


def test_truncated_file_is_refused_as_corrupt(server, tmp_path, monkeypatch, smoke_params):
    base, handler = server
    body, _ = d4rl_maze_bytes(tmp_path)
    handler.files["/half.hdf5"] = body[: len(body) // 2]
    monkeypatch.chdir(tmp_path)
    settings = smoke_params.datasets.umaze.model_copy(
        update={"source": "d4rl", "d4rl": {"base": remote(f"{base}/half.hdf5")}}
    )
    with pytest.raises(DatasetError, match="corrupt or truncated") as refused:
        build_datasets(get_environment("umaze"), settings, progress=False)
    assert f"{base}/half.hdf5 is not a readable HDF5 file" in str(refused.value)  # the URL, not a deleted scratch file
    out = tmp_path / "data/datasets/umaze"
    assert not out.exists() or list(out.iterdir()) == []


def test_http_error_is_reported(server, tmp_path):
    base, _ = server
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(remote(f"{base}/missing.hdf5"), tmp_path / "m.hdf5")
    assert list(tmp_path.iterdir()) == []


def test_unreachable_host_is_reported(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot reach the host"):
        download(RemoteFile(url=f"http://127.0.0.1:{port}/x.hdf5", timeout_s=5), tmp_path / "x.hdf5")
    assert list(tmp_path.iterdir()) == []


def test_unpinned_checksum_is_recorded_not_verified(server, tmp_path):
    base, handler = server
    handler.files["/f"] = b"payload"
    sha = download(RemoteFile(url=f"{base}/f"), tmp_path / "f")
    assert sha == hashlib.sha256(b"payload").hexdigest()
    assert (tmp_path / "f").read_bytes() == b"payload"
