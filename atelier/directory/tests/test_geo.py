import pytest

from atelier.directory.geo import lonlat_to_world, world_to_lonlat


@pytest.mark.parametrize("lon,lat", [(2.3488, 48.85341), (-61.5, 16.25), (55.45, -20.88)])
def test_world_pixels_round_trip(lon, lat):
    mx, my = lonlat_to_world(lon, lat)
    lon2, lat2 = world_to_lonlat(mx + 0.5, my + 0.5)
    assert abs(lon2 - lon) < 1e-5 and abs(lat2 - lat) < 1e-5


def test_paris_is_north_east_of_the_origin_quadrant():
    mx, my = lonlat_to_world(2.35, 48.85)
    assert 2**27 < mx < 2**27 + 2**22 and my < 2**27
