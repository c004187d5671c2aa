"""`python -m gongzhi`: the command line (see gongzhi.cli)."""
from gongzhi.cli import main

main()
