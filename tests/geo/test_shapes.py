"""The plane geometry the map relies on, and the WGS-84 ↔ GCJ-02 conversion."""
import pytest

from gongzhi.geo import gcj02, shapes

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]]}
# a U: the notch between x 1..3 above y 2 is outside
U = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [3, 4], [3, 2], [1, 2], [1, 4], [0, 4], [0, 0]]]}


@pytest.mark.parametrize("point, inside", [((2, 2), True), ((0, 2), True), ((4, 4), True), ((5, 2), False),
                                           ((-0.001, 1), False)])
def test_point_in_a_square_with_its_boundary(point, inside):
    assert shapes.contains_point(SQUARE, point) is inside


def test_point_in_a_concave_polygon_and_a_hole():
    assert shapes.contains_point(U, (0.5, 3)) and not shapes.contains_point(U, (2, 3))
    holed = {"type": "Polygon", "coordinates": [SQUARE["coordinates"][0], [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]]}
    assert shapes.contains_point(holed, (0.5, 0.5)) and not shapes.contains_point(holed, (2, 2))
    assert shapes.contains_point(holed, (1, 2))      # on the hole's edge: still the polygon's


def test_within_catches_an_edge_leaving_a_concave_parent():
    bridge = {"type": "Polygon", "coordinates": [[[0.5, 3], [3.5, 3], [3.5, 3.5], [0.5, 3.5], [0.5, 3]]]}
    assert all(shapes.contains_point(U, p) for p in [(0.5, 3), (0.5, 3.5)])
    assert not shapes.within(bridge, U)
    assert shapes.within({"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}, SQUARE)
    assert shapes.within({"type": "Point", "coordinates": [1, 1]}, SQUARE)


@pytest.mark.parametrize("geom, key", [
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0.5]]]}, "geo.invalid.not_closed"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "geo.invalid.too_few"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}, "geo.invalid.self_intersects"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}, "geo.invalid.empty"),
    ({"type": "Polygon", "coordinates": [[[0, 0], ["x", 0], [1, 1], [0, 0]]]}, "geo.invalid.bad_position"),
    ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "geo.invalid.type"),
    (None, "geo.invalid.type"),
    ({"type": "Polygon", "coordinates": [SQUARE["coordinates"][0], [[5, 5], [6, 5], [6, 6], [5, 5]]]},
     "geo.invalid.hole_outside"),
])
def test_invalid_geometries_are_named(geom, key):
    assert shapes.problem(geom) == key


def test_valid_geometries_pass():
    assert shapes.problem(SQUARE) is None and shapes.problem(U) is None
    assert shapes.problem({"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}) is None
    assert shapes.problem({"type": "Point", "coordinates": [114.3, 30.5]}) is None


def test_projected_coordinates_are_out_of_range():
    assert shapes.out_of_range({"type": "Point", "coordinates": [500000.0, 3380000.0]})
    assert not shapes.out_of_range({"type": "Point", "coordinates": [114.3, 30.5]})


def test_the_label_point_of_a_u_lies_inside_it():
    x, y = shapes.label_point(U)
    assert shapes.contains_point(U, (x, y))
    assert shapes.label_point(SQUARE) == pytest.approx((2, 2))


def test_gcj02_offsets_a_point_in_wuhan_by_a_few_hundred_metres_and_round_trips():
    lon, lat = 114.305, 30.593
    glon, glat = gcj02.to_gcj02(lon, lat)
    # the published offset around Wuhan: about +0.0054° longitude, -0.0023° latitude
    assert glon - lon == pytest.approx(0.00543, abs=3e-4) and glat - lat == pytest.approx(-0.00231, abs=3e-4)
    back = gcj02.from_gcj02(glon, glat)
    assert back == pytest.approx((lon, lat), abs=1e-6)


def test_gcj02_leaves_points_outside_china_alone():
    assert gcj02.to_gcj02(2.35, 48.85) == (2.35, 48.85)
    converted = gcj02.geometry_to_gcj02(SQUARE | {"coordinates": [[[114.3, 30.5], [114.31, 30.5], [114.3, 30.51],
                                                                    [114.3, 30.5]]]})
    assert converted["coordinates"][0][0] == list(gcj02.to_gcj02(114.3, 30.5))
