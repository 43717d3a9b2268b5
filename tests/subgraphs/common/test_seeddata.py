from subgraphs.common import seeddata


def test_seed_sizes_meet_the_marketplace_minimums():
    assert len(seeddata.products()) >= 200
    assert len({p.category_id for p in seeddata.products()}) >= 10
    assert len(seeddata.users()) >= 50
    assert len([o for o in seeddata.orders() if any(p.order_id == o.id for p in seeddata.payments())]) >= 300


def test_seed_is_deterministic_and_consistent():
    products = {p.id: p for p in seeddata.products()}
    for order in seeddata.orders():
        assert order.items and order.shipping > 0
        for item in order.items:
            assert item.unit_price == products[item.product_id].price
    assert seeddata.users()[0].email == seeddata.DEMO_EMAIL
    assert seeddata.orders.__wrapped__() == seeddata.orders()


def test_shipping_grows_with_weight_in_whole_kilograms():
    assert seeddata.shipping_for_weight(0) == 499
    assert seeddata.shipping_for_weight(1) == seeddata.shipping_for_weight(1000) == 649
    assert seeddata.shipping_for_weight(1001) == 799
