"""The catalog's Federation 2 schema, code-first with strawberry."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import strawberry
import strawberry.federation
from strawberry import UNSET
from sqlalchemy import BindParameter, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from strawberry.federation.schema_directives import ListSize, RequiresScopes

from auth import scopes
from subgraphs.catalog import inventory, models
from subgraphs.catalog.cache import ProductCache
from subgraphs.catalog.loaders import Loaders
from subgraphs.common.cache_control import CacheControl, CachePolicy
from subgraphs.common.documents import CachedDocuments
from subgraphs.common.errors import CONFLICT, GRAPHQL_INT_MAX, NOT_FOUND, at_most, graphql_error, parse_id
from subgraphs.common.app import LIVE
from subgraphs.common.identity import require_scope
from subgraphs.common.live import changed, follow
from subgraphs.common.relay import page_args
from subgraphs.common.strawberry_types import PAGE, Connection, Money, connection
from subgraphs.common.strawberry_view import FederatedSchema, StrawberryContext

@dataclass
class Context(StrawberryContext[Loaders]):
    cache: ProductCache | None = None
    cache_policy: CachePolicy | None = None


MAX_SEARCH = 200  # characters; a longer LIKE pattern is work (or an error) no shopper needs

# Fields whose answer depends on who asks (or that only some callers may see): never shared.
CALLER_DEPENDENT = frozenset({"Product.costPrice", "Product.stock"})

Info = strawberry.Info[Context, None]


@strawberry.federation.type(keys=["id"])
class Category:
    id: strawberry.ID
    name: str
    slug: str

    @strawberry.field(directives=[PAGE])
    async def products(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Product]:
        size, after_id = page_args("product", first, after, start=0)
        loaders = info.context.loaders
        rows = await loaders.products_page_by_category.load((int(self.id), after_id, size + 1))
        total = await loaders.product_count_by_category.load(int(self.id))
        return connection("product", rows, size, after, total, product_from_row)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **_: object) -> Category | None:
        row = await info.context.loaders.category_by_id.load(parse_id(id, "Category"))
        return category_from_row(row) if row else None


@strawberry.federation.type(keys=["id", "sku"], description="Something the marketplace sells.")
class Product:
    id: strawberry.ID = strawberry.federation.field(tags=["public"])
    sku: str = strawberry.federation.field(tags=["public"])
    name: str = strawberry.federation.field(tags=["public"])
    description: str
    price: Money = strawberry.federation.field(tags=["public"])
    weight: int = strawberry.federation.field(description="Shipping weight in grams.")
    in_stock: bool
    cost_price: Money = strawberry.federation.field(inaccessible=True)
    category_id: strawberry.Private[int]
    stock_on_hand: strawberry.Private[int]

    @strawberry.federation.field(requires_scopes=[[scopes.INVENTORY_READ], [scopes.ADMIN]],
                                 description="Units on hand; for inventory readers (the router prunes it too).")
    def stock(self, info: Info) -> int | None:
        require_scope(info.context.identity, scopes.INVENTORY_READ)
        return self.stock_on_hand

    @strawberry.field
    async def category(self, info: Info) -> Category:
        return category_from_row(await info.context.loaders.category_by_id.load(self.category_id))

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, sku: str | None = None, **_: object
    ) -> Product | None:
        loaders = info.context.loaders
        row = await (loaders.product_by_id.load(parse_id(id, "Product")) if id is not None
                     else loaders.product_by_sku.load(sku or ""))
        return product_from_row(row) if row else None


@strawberry.federation.type(inaccessible=True)
class ReservedItem:
    product_id: strawberry.ID
    quantity: int
    unit_price: Money
    weight: int
    sku: str
    name: str


@strawberry.input
class MoneyInput:
    amount: int
    currency: str = "USD"


@strawberry.input
class CreateProductInput:
    sku: str
    name: str
    category_id: strawberry.ID
    price: MoneyInput
    weight: int
    description: str = ""
    stock: int = 0
    cost_price: MoneyInput | None = strawberry.federation.field(default=None, inaccessible=True)


@strawberry.input
class UpdateProductInput:
    name: str | None = None
    description: str | None = None
    category_id: strawberry.ID | None = None
    price: MoneyInput | None = None
    weight: int | None = None
    cost_price: MoneyInput | None = strawberry.federation.field(default=None, inaccessible=True)


@strawberry.federation.input(inaccessible=True)
class StockItemInput:
    product_id: strawberry.ID
    quantity: int


def product_from_row(row: models.ProductRow) -> Product:
    return Product(
        id=strawberry.ID(str(row.id)), sku=row.sku, name=row.name, description=row.description,
        price=Money(amount=row.price, currency=row.currency), weight=row.weight, stock_on_hand=row.stock,
        in_stock=row.stock > 0, cost_price=Money(amount=row.cost_price, currency=row.currency),
        category_id=row.category_id,
    )


def category_from_row(row: models.CategoryRow) -> Category:
    return Category(id=strawberry.ID(str(row.id)), name=row.name, slug=row.slug)


def search_text(search: str | None) -> str | None:
    """The client's search, bounded, before it becomes a LIKE pattern: NUL is refused
    (PostgreSQL cannot store it in text) and so is anything longer than MAX_SEARCH."""
    if search is None:
        return None
    if len(search) > MAX_SEARCH:
        raise graphql_error(f"search must be at most {MAX_SEARCH} characters, got {len(search)}")
    if "\x00" in search:
        raise graphql_error("search must not contain the NUL character")
    return search


def like_pattern(search: str) -> str:
    """The client's % and _ are text, not wildcards."""
    literal = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"


@functools.cache
def product_listing(by_category: bool, by_search: bool) -> tuple[Select, Select]:
    """The count and page statements of one filter shape, built once; a call binds `category`,
    `pattern`, `after` and `limit`."""
    products = models.PRODUCTS.c
    where = []
    if by_category:
        where.append(products.category_id == bindparam("category"))
    if by_search:
        pattern: BindParameter[str] = bindparam("pattern")
        where.append(or_(func.lower(products.name).like(pattern, escape="\\"),
                         func.lower(products.description).like(pattern, escape="\\")))
    count = select(func.count(products.id)).where(*where)
    page = (select(models.PRODUCTS).where(*where, products.id > bindparam("after"))
            .order_by(products.id).limit(bindparam("limit")))
    return count, page


ALL_CATEGORIES = select(models.CATEGORIES).order_by(models.CATEGORIES.c.id)


@strawberry.type
class Query:
    @strawberry.field(description="One product, by exactly one of its keys.")
    async def product(self, info: Info, id: strawberry.ID | None = None, sku: str | None = None) -> Product | None:
        if (id is None) == (sku is None):
            raise graphql_error("Give exactly one of id or sku")
        return await Product.resolve_reference(info, id=id, sku=sku)

    @strawberry.field(directives=[PAGE])
    async def products(
        self, info: Info, first: int = 20, after: str | None = None,
        category_id: strawberry.ID | None = None, search: str | None = None,
    ) -> Connection[Product]:
        size, after_id = page_args("product", first, after, start=0)
        category = parse_id(category_id, "Category") if category_id is not None else None
        search = search_text(search)
        count, page = product_listing(category is not None, bool(search))
        params = {"category": category, "pattern": like_pattern(search) if search else None,
                  "after": after_id, "limit": size + 1}
        db = info.context.db
        total = await db.scalar(count, params)
        rows = await db.rows(page, params)
        return connection("product", rows, size, after, total or 0, product_from_row)

    @strawberry.field(directives=[ListSize(assumed_size=12, slicing_arguments=UNSET, sized_fields=UNSET)])
    async def categories(self, info: Info) -> list[Category]:
        return [category_from_row(row) for row in await info.context.db.rows(ALL_CATEGORIES)]


def _check_product_values(name: str | None, price: MoneyInput | None, weight: int | None) -> None:
    if name is not None and not name.strip():
        raise graphql_error("Product name must not be empty")
    if price is not None and price.amount < 0:
        raise graphql_error("Price must not be negative")
    if price is not None and (len(price.currency) != 3 or not price.currency.isupper()):
        raise graphql_error(f"Currency must be an ISO 4217 code like USD, got {price.currency!r}")
    if weight is not None and weight <= 0:
        raise graphql_error("Weight must be a positive number of grams")


async def _category_exists(info: Info, category_id: int) -> None:
    if await info.context.loaders.category_by_id.load(category_id) is None:
        raise graphql_error(f"Unknown category {category_id}", NOT_FOUND)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_product(self, info: Info, input: CreateProductInput) -> Product:
        require_scope(info.context.identity, scopes.CATALOG_WRITE)
        _check_product_values(input.name, input.price, input.weight)
        if input.stock < 0:
            raise graphql_error("Stock must not be negative")
        category_id = parse_id(input.category_id, "Category")
        await _category_exists(info, category_id)
        cost = input.cost_price or input.price
        row = models.Product(
            sku=input.sku.strip(), name=input.name.strip(), description=input.description,
            category_id=category_id, price=input.price.amount, currency=input.price.currency,
            cost_price=cost.amount, weight=input.weight, stock=input.stock,
        )
        try:
            async with info.context.db.session() as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise graphql_error(f"A product with SKU {input.sku!r} already exists", CONFLICT) from None
        await _changed(info, [row])
        return product_from_row(row)

    @strawberry.mutation
    async def update_product(self, info: Info, id: strawberry.ID, input: UpdateProductInput) -> Product:
        require_scope(info.context.identity, scopes.CATALOG_WRITE)
        _check_product_values(input.name, input.price, input.weight)
        product_id = parse_id(id, "Product")
        if input.category_id is not None:
            await _category_exists(info, parse_id(input.category_id, "Category"))
        async with info.context.db.session() as session, session.begin():
            row = await session.get(models.Product, product_id)
            if row is None:
                raise graphql_error(f"Unknown product {id}", NOT_FOUND)
            old_category = row.category_id
            _apply_update(row, input)
        await _changed(info, [row], (old_category,))
        return product_from_row(row)

    @strawberry.mutation
    async def adjust_stock(self, info: Info, product_id: strawberry.ID, delta: int) -> Product:
        require_scope(info.context.identity, scopes.CATALOG_WRITE)
        pid = parse_id(product_id, "Product")
        async with info.context.db.session() as session, session.begin():
            row = await session.get(models.Product, pid, with_for_update=True)
            if row is None:
                raise graphql_error(f"Unknown product {product_id}", NOT_FOUND)
            if row.stock + delta < 0:
                raise graphql_error(f"Stock of {row.sku} cannot go below zero ({row.stock} {delta:+d})",
                                    inventory.INSUFFICIENT_STOCK)
            if row.stock + delta > GRAPHQL_INT_MAX:  # stock is an Int field: it must stay answerable
                raise graphql_error(f"Stock of {row.sku} cannot exceed {GRAPHQL_INT_MAX} ({row.stock} {delta:+d})")
            row.stock += delta
            changed(session, inventory.stock_topic(row.id))
        await _changed(info, [row])
        return product_from_row(row)

    @strawberry.federation.mutation(inaccessible=True, requires_scopes=[[scopes.INVENTORY_RESERVE]],
                                    description="The orders service holds stock for a new order.")
    async def reserve_stock(
        self, info: Info, reservation_id: strawberry.ID, items: list[StockItemInput], hold_seconds: int | None = None,
    ) -> list[ReservedItem]:
        require_scope(info.context.identity, scopes.INVENTORY_RESERVE)
        at_most(items, inventory.MAX_LINES, "reservation lines")
        hold = inventory.DEFAULT_HOLD if hold_seconds is None else hold_seconds
        if not 1 <= hold <= inventory.MAX_HOLD:
            raise graphql_error(f"holdSeconds must be between 1 and {inventory.MAX_HOLD}")
        wanted = [(parse_id(item.product_id, "Product"), item.quantity) for item in items]
        lines = await inventory.reserve(info.context.db, str(reservation_id), wanted, hold)
        await _changed(info, [line.product for line in lines])
        return [
            ReservedItem(
                product_id=strawberry.ID(str(line.product.id)), quantity=line.quantity,
                unit_price=Money(amount=line.unit_price, currency=line.product.currency),
                weight=line.product.weight, sku=line.product.sku, name=line.product.name,
            )
            for line in lines
        ]

    @strawberry.federation.mutation(inaccessible=True, requires_scopes=[[scopes.INVENTORY_RESERVE]],
                                    description="placeOrder returns the stock of an order it could not write, once.")
    async def release_stock(self, info: Info, reservation_id: strawberry.ID) -> bool:
        require_scope(info.context.identity, scopes.INVENTORY_RESERVE)
        released = await inventory.release(info.context.db, str(reservation_id), "abandoned")
        if info.context.cache is not None:
            await info.context.cache.invalidate_ids(info.context.db, released)
        return bool(released)


async def _changed(info: Info, products: list[models.Product], category_ids: tuple[int, ...] = ()) -> None:
    """After a commit: cached rows and every router's cached entities of these are stale."""
    if info.context.cache is not None:
        await info.context.cache.invalidate(products, category_ids)


def _apply_update(row: models.Product, input: UpdateProductInput) -> None:
    for name in ("name", "description", "weight"):
        if (value := getattr(input, name)) is not None:
            setattr(row, name, value.strip() if isinstance(value, str) and name == "name" else value)
    if input.category_id is not None:
        row.category_id = int(input.category_id)
    if input.price is not None:
        row.price, row.currency = input.price.amount, input.price.currency
    if input.cost_price is not None:
        row.cost_price = input.cost_price.amount


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The product as it is now, then again after each change to its stock.",
                             directives=[RequiresScopes(scopes=[[scopes.INVENTORY_READ], [scopes.ADMIN]])])
    async def stock_changed(self, info: Info, product_id: strawberry.ID) -> AsyncIterator[Product | None]:
        require_scope(info.context.identity, scopes.INVENTORY_READ)
        pid = parse_id(product_id, "Product")
        live = info.context.request.app[LIVE]
        async for product in follow(live, inventory.stock_topic(pid), lambda _: _fresh_product(info, pid)):
            yield product


async def _fresh_product(info: Info, product_id: int) -> Product | None:
    """The committed row, read anew (not from the connection's loaders, nor the product cache)."""
    async with info.context.db.session() as session:
        row = await session.get(models.Product, product_id)
    return product_from_row(row) if row is not None else None


schema = FederatedSchema(query=Query, mutation=Mutation, subscription=Subscription, federation_version="2.9",
                         extensions=[CachedDocuments, CacheControl])
