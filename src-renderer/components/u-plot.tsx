/**
 * A uPlot chart in a React component: created once per `options` identity, sized to its container (ResizeObserver),
 * destroyed on unmount. `data` updates the chart in place (setData), never recreating it; `chartRef` gives painters
 * the instance for live updates without React.
 */
import { type MutableRefObject, useEffect, useRef } from 'react';
import uPlot from 'uplot';

export function UPlotChart({
  options,
  data,
  chartRef,
  height = 240,
  label,
  testId,
}: {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data?: uPlot.AlignedData;
  chartRef?: MutableRefObject<uPlot | null>;
  height?: number;
  label: string;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement | null>(null);
  const chart = useRef<uPlot | null>(null);
  const dataRef = useRef<uPlot.AlignedData | undefined>(data);
  dataRef.current = data;

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const width = Math.max(200, el.clientWidth);
    const u = new uPlot(
      { ...options, width, height },
      dataRef.current ?? (options.series.map(() => []) as unknown as uPlot.AlignedData),
      el,
    );
    chart.current = u;
    if (chartRef) chartRef.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      chart.current = null;
      if (chartRef) chartRef.current = null;
    };
  }, [options, height, chartRef]);

  useEffect(() => {
    if (data !== undefined && chart.current !== null) chart.current.setData(data);
  }, [data]);

  return <div className="uplot-box" ref={box} role="img" aria-label={label} data-testid={testId} />;
}

/** Axis colours etc. shared by every chart. */
export const AXIS: uPlot.Axis = {
  stroke: '#9aa4b2',
  grid: { stroke: '#2a313c', width: 1 },
  ticks: { stroke: '#2a313c', width: 1 },
};
