"""The catalog's own tables: categories, products and stock reservations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeAlias

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, MetaData, Row, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    price: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    cost_price: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class CategoryFields:
    """A product's category, read in the same statement as the product (the loaders' lookups)."""

    id: int
    name: str
    slug: str


# The hot read paths select the tables with Core (Database.rows); a Row has the same attribute
# names as the mapped object, so answers are built from either.
CATEGORIES = Category.__table__
PRODUCTS = Product.__table__
CategoryRow: TypeAlias = Category | Row[Any] | CategoryFields
ProductRow: TypeAlias = Product | Row[Any]


class Reservation(Base):
    """Stock held for one order, keyed by the id orders chose, so retries never reserve twice.
    Held until `expires_at`, then released by the sweeper, unless the order's payment committed
    it first; a release records why. A released id is never reserved again."""

    __tablename__ = "reservations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    release_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)


class ReservationLine(Base):
    __tablename__ = "reservation_lines"
    reservation_id: Mapped[str] = mapped_column(ForeignKey("reservations.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
