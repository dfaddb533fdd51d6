/**
 * The crew's own unit, kept live: its home district comes from the `unit.get` query (queued
 * until the connection is up), then the district's unit feed keeps its view and position.
 */
import { useEffect, useState } from 'react';
import type { LiveClient } from '../lib/live';
import type { Position, UnitView, UnitWithPosition } from '../lib/stores';

type UnitItem = UnitView & { position?: Position | null };

/** Own unit view with position, or the error that stopped loading it. */
export function useOwnUnit(live: LiveClient | null, unitId: string | null): { unit: UnitWithPosition | null; error: string | null } {
  const [unit, setUnit] = useState<UnitWithPosition | null>(null);
  const [district, setDistrict] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setUnit(null);
    setDistrict(null);
    setError(null);
    if (!live || !unitId) return;
    let cancelled = false;
    live.query<UnitItem>({ type: 'unit.get', unitId }).then(
      (view) => {
        if (cancelled) return;
        setUnit({ ...view, position: view.position ?? null });
        setDistrict(view.homeDistrictId);
      },
      (err: Error) => !cancelled && setError(err.message),
    );
    return () => {
      cancelled = true;
    };
  }, [live, unitId]);

  useEffect(() => {
    if (!live || !unitId || !district) return;
    return live.subscribe(`units:${district}`, {
      snapshot(items) {
        const mine = items.find((i) => i.id === unitId) as UnitItem | undefined;
        if (mine) setUnit({ ...mine, position: mine.position ?? null });
      },
      event(e) {
        if (e.streamId !== unitId) return;
        setUnit((prev) => ({ ...(e.view as unknown as UnitView), position: prev?.position ?? null }));
      },
      positions(list) {
        const p = list.filter((x) => x.unitId === unitId).at(-1);
        if (!p) return;
        setUnit((prev) => prev && { ...prev, position: { lat: p.lat, lon: p.lon, at: p.at, heading: p.heading, speedKmh: p.speedKmh } });
      },
    });
  }, [live, unitId, district]);

  return { unit, error };
}
