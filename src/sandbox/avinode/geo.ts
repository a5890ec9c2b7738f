/** Mean Earth radius (6,371.0088 km) in nautical miles (1 nm = 1.852 km). */
const EARTH_RADIUS_NM = 6371.0088 / 1.852;

/** Time added to every leg for taxi, climb and descent (charter-domain.md: "about 0.3 h"). */
const TAXI_CLIMB_DESCENT_HOURS = 0.3;

export interface LatLon {
  latitude: number;
  longitude: number;
}

/** Great-circle distance by the haversine formula, rounded to whole nautical miles. */
export function greatCircleNm(from: LatLon, to: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (to.latitude - from.latitude) * rad;
  const dLon = (to.longitude - from.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(from.latitude * rad) * Math.cos(to.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * EARTH_RADIUS_NM * Math.asin(Math.min(1, Math.sqrt(h))));
}

/**
 * Block time of one leg in tenths of an hour: distance / cruise + 0.3 h, rounded to the nearest 0.1 h.
 * Tenths are kept as integers so that money computed from them (rate × tenths / 10) has one rounding step only.
 */
export function flightTenths(distanceNm: number, cruiseSpeedKts: number): number {
  if (distanceNm <= 0) return 0;
  return Math.round((distanceNm / cruiseSpeedKts + TAXI_CLIMB_DESCENT_HOURS) * 10);
}

export function tenthsToHours(tenths: number): number {
  return tenths / 10;
}
