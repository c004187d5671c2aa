"""README's "How it is built" tree is true: every folder and file it names exists, and every
top-level folder of the repository, and every package of gongzhi/, is named in it."""
import re
import subprocess

from gongzhi.config import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def tree() -> list[str]:
    """The paths the tree names (indented lines are inside gongzhi/)."""
    block = re.search(r"## How it is built\n+```\n(.*?)```", README, re.S).group(1)
    paths = []
    for line in block.splitlines():
        names = re.split(r"\s{2,}", line.strip())[0]
        for token in names.split():
            if "/" in token or token.endswith(".py") or token.endswith(".sql"):
                paths.append(("gongzhi/" if line.startswith("  ") else "") + token)
    return paths


def test_every_path_the_tree_names_exists():
    paths = tree()
    assert "gongzhi/territory.py" in paths and "pages/" in paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_every_top_level_folder_is_named():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {line.split("/")[0] for line in tracked.splitlines() if "/" in line and not line.startswith(".")}
    named = {p.split("/")[0] for p in tree() if not p.startswith("gongzhi/") or p == "gongzhi/"}
    assert folders and folders - named == set()


def test_every_package_of_gongzhi_is_named():
    packages = {f"gongzhi/{p.parent.name}/" for p in (ROOT / "gongzhi").glob("*/__init__.py")}
    assert "gongzhi/lists/" in packages
    assert packages - set(tree()) == set()
