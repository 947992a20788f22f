"""Local files a resource uploads (schema.json ``x-local-files``): read when the resource is created
or a new version published, and digested, so that the state keeps their path and a SHA-256 of them,
never their content (a raw ``pulumi.FileArchive`` in the state of a dynamic resource breaks the
next ``up`` on the 3.259 CLI: "Invalid archive encountered when unmarshalling resource property").

- ``file``: one regular file, uploaded under its own name; the digest is its content's SHA-256.
- ``folder``: a folder, or an archive of one (.zip, .tar, .tar.gz, .tgz), uploaded as its files,
  each named by its path under the folder's own name (``docs-style/SKILL.md``: a skill's files sit
  in one top-level folder). An archive whose entries already sit in one top-level folder keeps
  it; otherwise the archive's name (less its suffix) is that folder. The digest covers each
  file's path and content, in path order, so a renamed, added or removed file changes it too.

A relative path is read from the current folder: the program's, where the engine starts the
providers, as ``pulumi.FileAsset`` reads its own.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pulumi_agents.errors import PulumiAgentsError

ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip")
MAX_BYTES = 64 * 1024 * 1024  # read into memory to upload: a bound well above any skill or file
MAX_FILES = 10_000


class LocalFilesError(PulumiAgentsError):
    """Local files that cannot be read as the resource needs them."""


@dataclass(frozen=True)
class Upload:
    """What is uploaded: (name, content) of each file, in name order, and their digest."""

    files: tuple[tuple[str, bytes], ...]
    sha256: str


def read(kind: str, path: str | Mapping[str, str]) -> Upload:
    """The files at ``path`` as ``kind`` (``file`` or ``folder``) uploads them; a folder may also
    be a map of names in it to local paths (a ``pulumi.AssetArchive`` of files and folders)."""
    if not isinstance(path, str):
        return _mapped(path)
    where = Path(path).expanduser()
    if kind == "file":
        if not where.is_file():
            raise LocalFilesError(f"{path!r} is not a file")
        content = _bounded(where.read_bytes(), path)
        return Upload(((where.name, content),), hashlib.sha256(content).hexdigest())
    if where.is_dir():
        files = _folder(where)
    elif where.is_file() and where.name.lower().endswith(ARCHIVES):
        files = _archive(where)
    else:
        raise LocalFilesError(f"{path!r} is neither a folder nor an archive ({', '.join(ARCHIVES)})")
    if not files:
        raise LocalFilesError(f"{path!r} holds no file")
    return _upload(files, path)


def _mapped(names: Mapping[str, str]) -> Upload:
    """A folder made of named local files and folders (or archives), under one top-level folder:
    their names' own, when they all share one, else ``skill``."""
    files: dict[str, bytes] = {}
    for name, path in sorted(names.items()):
        inner = _member(name, Path(path))
        where = Path(path).expanduser()
        if where.is_file() and not where.name.lower().endswith(ARCHIVES):
            files[inner] = _bounded(where.read_bytes(), path)
            continue
        found = read("folder", path).files  # each under the folder's own name: put it under ``name``
        files.update({f"{inner}/{n.split('/', 1)[1]}": content for n, content in found})
    if not _in_one_folder(files):
        files = {f"skill/{n}": content for n, content in files.items()}
    return _upload(files, "the skill's files")


def _upload(files: Mapping[str, bytes], what: str) -> Upload:
    ordered = tuple(sorted(files.items()))
    _bounded(b"", what, sum(len(c) for _, c in ordered))
    return Upload(ordered, digest(ordered))


def _in_one_folder(names: Iterable[str]) -> bool:
    """Whether every path sits in one top-level folder (a skill's files must)."""
    names = list(names)
    return len({n.split("/", 1)[0] for n in names}) == 1 and all("/" in n for n in names)


def digest(files: tuple[tuple[str, bytes], ...]) -> str:
    """The SHA-256 of each file's path and content's SHA-256, in path order."""
    outer = hashlib.sha256()
    for name, content in files:
        outer.update(name.encode() + b"\0" + hashlib.sha256(content).hexdigest().encode() + b"\n")
    return outer.hexdigest()


def _bounded(content: bytes, path: str, size: int | None = None) -> bytes:
    if (len(content) if size is None else size) > MAX_BYTES:
        raise LocalFilesError(f"{path!r} is over {MAX_BYTES // (1024 * 1024)} MB")
    return content


def _folder(root: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    top = root.resolve()
    for current, dirs, names in os.walk(top):
        dirs.sort()
        for name in sorted(names):
            file = Path(current) / name
            if not file.is_file():
                continue
            if len(found) >= MAX_FILES:
                raise LocalFilesError(f"{str(root)!r} holds over {MAX_FILES} files")
            found[f"{top.name}/{file.relative_to(top).as_posix()}"] = file.read_bytes()
    return found


def _archive(file: Path) -> dict[str, bytes]:
    entries: dict[str, bytes] = {}
    try:
        if file.name.lower().endswith(".zip"):
            with zipfile.ZipFile(file) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        entries[_member(info.filename, file)] = archive.read(info)
        else:
            with tarfile.open(file) as archive:
                for member in archive.getmembers():
                    if member.isfile():
                        extracted = archive.extractfile(member)
                        entries[_member(member.name, file)] = extracted.read() if extracted else b""
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise LocalFilesError(f"{str(file)!r} cannot be read as an archive: {exc}") from None
    if _in_one_folder(entries):
        return entries
    stem = next(file.name[: -len(s)] for s in ARCHIVES if file.name.lower().endswith(s))
    return {f"{stem}/{name}": content for name, content in entries.items()}


def _member(name: str, archive: Path) -> str:
    """An archive entry's path, refused when it would leave the folder (``..``, absolute)."""
    path = PurePosixPath(name.replace("\\", "/"))
    parts = [p for p in path.parts if p not in ("", ".")]
    if path.is_absolute() or ".." in parts or not parts:
        raise LocalFilesError(f"{str(archive)!r} holds {name!r}, a path outside its folder")
    return "/".join(parts)
