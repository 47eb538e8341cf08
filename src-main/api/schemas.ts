/**
 * The API's schemas (TypeBox): each one validates requests (REST bodies and WS messages alike), gives the TypeScript
 * type through `Static`, and appears in the OpenAPI document. Bodies are strict: no unknown fields, no strings for
 * numbers. Prices are integers in price units (the instrument's priceDecimals places them), volumes integers,
 * money integer minor units.
 */
import { type Static, Type } from 'typebox';

const MAX = Number.MAX_SAFE_INTEGER;
export const Id = Type.Integer({ minimum: 1, maximum: MAX });
export const PriceT = Type.Integer({ minimum: 0, maximum: MAX, description: 'integer price units' });
export const VolumeT = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
export const MoneyT = Type.Integer({ minimum: 1, maximum: MAX, description: 'integer minor units' });
export const InstrumentIdT = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' });
export const SideT = Type.Union([Type.Literal('buy'), Type.Literal('sell')]);
export const OrderTypeT = Type.Union([
  Type.Literal('limit'),
  Type.Literal('market'),
  Type.Literal('stop'),
  Type.Literal('stopLimit'),
]);
export const TifT = Type.Union([Type.Literal('GTC'), Type.Literal('GFD'), Type.Literal('IOC'), Type.Literal('FOK')]);
export const OffsetT = Type.Union([Type.Literal('open'), Type.Literal('close'), Type.Literal('closeToday')]);
export const StpT = Type.Union([
  Type.Literal('none'),
  Type.Literal('cancelTaker'),
  Type.Literal('cancelMaker'),
  Type.Literal('cancelBoth'),
  Type.Literal('reject'),
]);
export const PhaseT = Type.Union([
  Type.Literal('closed'),
  Type.Literal('preOpen'),
  Type.Literal('auction'),
  Type.Literal('continuous'),
  Type.Literal('halted'),
]);
export const RoleT = Type.Union([Type.Literal('admin'), Type.Literal('trader'), Type.Literal('viewer')]);

export const PlaceOrderBody = Type.Object(
  {
    accountId: Id,
    instrumentId: InstrumentIdT,
    side: SideT,
    type: Type.Optional(OrderTypeT),
    tif: Type.Optional(TifT),
    price: Type.Optional(PriceT),
    stopPrice: Type.Optional(PriceT),
    volume: VolumeT,
    offset: Type.Optional(OffsetT),
    postOnly: Type.Optional(Type.Boolean()),
    stp: Type.Optional(StpT),
  },
  {
    additionalProperties: false,
    description: 'type defaults to limit, tif to GFD (IOC for market and stop orders), offset to open',
  },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const CancelOrderBody = Type.Object({ orderId: Id }, { additionalProperties: false });
export const ModifyOrderBody = Type.Object(
  { price: PriceT, volume: VolumeT },
  { additionalProperties: false, description: 'the new limit price and open (unfilled) volume' },
);
export type ModifyOrderBody = Static<typeof ModifyOrderBody>;

export const OrderView = Type.Object({
  orderId: Type.Integer(),
  accountId: Type.Integer(),
  instrumentId: Type.String(),
  side: SideT,
  type: OrderTypeT,
  tif: TifT,
  offset: OffsetT,
  price: Type.Integer(),
  stopPrice: Type.Integer(),
  volume: Type.Integer(),
  filled: Type.Integer(),
  remaining: Type.Integer(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('new'),
    Type.Literal('partial'),
    Type.Literal('filled'),
    Type.Literal('canceled'),
    Type.Literal('rejected'),
  ]),
  reason: Type.Union([Type.String(), Type.Null()]),
  forced: Type.Boolean(),
  createdSeq: Type.Integer(),
  createdTs: Type.Integer(),
  updatedSeq: Type.Integer(),
  updatedTs: Type.Integer(),
});
export type OrderView = Static<typeof OrderView>;

export const TradeView = Type.Object({
  tradeId: Type.Integer(),
  seq: Type.Integer(),
  ts: Type.Integer(),
  instrumentId: Type.String(),
  price: Type.Integer(),
  volume: Type.Integer(),
  buyOrderId: Type.Integer(),
  sellOrderId: Type.Integer(),
  buyAccountId: Type.Integer(),
  sellAccountId: Type.Integer(),
  takerSide: Type.Union([SideT, Type.Null()]),
});
export type TradeView = Static<typeof TradeView>;

export const ErrorBodyT = Type.Object({
  code: Type.String(),
  number: Type.Integer(),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

/** `?limit=&before=` paging by id, newest first. */
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    before: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;
