"""The cost-curve arithmetic of `bench scale` (no timing here: the figures are made up)."""
from gongzhi.bench import scale


def test_the_exponent_is_the_slope_on_a_log_log_scale():
    assert scale.exponent(100_000, 10.0, 1_000_000, 100.0) == 1.0     # grows with the table
    assert scale.exponent(100_000, 10.0, 1_000_000, 10.0) == 0.0      # flat
    assert scale.exponent(100_000, 10.0, 3_000_000, 10.0 * 30 ** 0.3) == 0.3
    assert scale.exponent(100_000, 0.0, 1_000_000, 10.0) == 0.0       # nothing measured: no slope


def test_curves_name_every_size_and_one_exponent_per_figure():
    by_size = {n: {name: n / 1000 for name in scale.FIGURES} for n in (100_000, 1_000_000, 3_000_000)}
    by_size[3_000_000]["list"] = by_size[100_000]["list"]
    figures = scale.curves(by_size)
    assert figures["count.1000000.ms"] == 1000.0 and figures["count.exponent"] == 1.0
    assert figures["list.exponent"] == 0.0
    assert set(figures) == {f"{name}.{n}.ms" for name in scale.FIGURES for n in by_size} | {
        f"{name}.exponent" for name in scale.FIGURES}


def test_sizes_are_a_tenth_one_and_three_times():
    assert scale.sizes(1_000_000) == [100_000, 1_000_000, 3_000_000]
