/** The market view: ladder, candles, depth chart, trade tape, order entry and the blotter of one instrument. */
import { Blotter } from '../components/blotter.tsx';
import { CandleChart } from '../components/candle-chart.tsx';
import { Section } from '../components/common.tsx';
import { DepthChart } from '../components/depth-chart.tsx';
import { OrderEntry } from '../components/order-entry.tsx';
import { PriceLadder } from '../components/price-ladder.tsx';
import { TradeTape } from '../components/trade-tape.tsx';
import { useApp } from '../store/app-context.ts';

export function MarketView() {
  const { instrumentId } = useApp();
  if (instrumentId === null) return <p className="muted">No instruments yet.</p>;
  return (
    <div className="market-grid" data-testid="market-view">
      <div className="area-ladder">
        <Section title={`Ladder ${instrumentId}`}>
          <PriceLadder instrumentId={instrumentId} />
        </Section>
      </div>
      <div className="area-charts">
        <Section title="Candles">
          <CandleChart instrumentId={instrumentId} />
        </Section>
        <Section title="Depth">
          <DepthChart instrumentId={instrumentId} />
        </Section>
      </div>
      <div className="area-entry">
        <Section title="Order entry">
          <OrderEntry instrumentId={instrumentId} />
        </Section>
        <Section title="Trades">
          <TradeTape instrumentId={instrumentId} />
        </Section>
      </div>
      <div className="area-blotter">
        <Section title="Blotter">
          <Blotter />
        </Section>
      </div>
    </div>
  );
}
