"""The operations sent to both gateways: every root field, entity jumps both ways, both Product
keys, aliases (some named like key and @requires fields), fragments, variables, @skip/@include,
__typename, pagination, nulls and errors at every level, introspection, and mutations in order.

The data is the deterministic seed (subgraphs/common/seeddata.py): 240 products in 12
categories, 60 users (Ada is user 1, Charles Babbage, an admin, user 2, Grace user 3), 400
orders (Ada's: 10, 20, ...; Charles's: 51, 131, ...; Grace's: 2, 109, ...), 320 payments
(Ada's: 136, 251; Charles's: 41; Grace's: 2, 88). Product 17 is out of stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Operation:
    name: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    caller: str | None = None  # a key of conftest.CALLERS; None is anonymous


def _ops(caller: str | None, **queries: str) -> list[Operation]:
    return [Operation(name, query, caller=caller) for name, query in queries.items()]


ROOT_FIELDS = _ops(
    None,
    product_by_id='{ product(id: "1") { id sku name description weight inStock price { amount currency } } }',
    product_by_sku='{ product(sku: "SKU-00002") { id sku name } }',
    product_missing='{ product(id: "999999") { id name } }',
    product_both_keys='{ product(id: "1", sku: "SKU-00001") { id } }',
    product_no_key="{ product { id } }",
    products_first_page="{ products(first: 3) { totalCount edges { cursor node { id name } } "
                        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
    products_default_page="{ products { totalCount edges { node { id } } } }",
    products_by_category='{ products(first: 4, categoryId: "2") { totalCount edges { node { name category { id name } } } } }',
    products_search='{ products(first: 2, search: "lamp") { totalCount edges { node { name } } } }',
    products_search_nothing='{ products(first: 2, search: "no such thing at all") { totalCount edges { node { name } } '
                            "pageInfo { hasNextPage startCursor endCursor } } }",
    categories="{ categories { id name slug } }",
    user_public='{ user(id: "3") { id name email addresses { city } } }',
    user_missing='{ user(id: "9999") { id name } }',
    user_bad_id='{ user(id: "not-a-number") { id } }',
    me_anonymous="{ me { id name } }",
    order_anonymous='{ order(id: "10") { id number } }',
    payment_anonymous='{ payment(id: "136") { id status } }',
) + _ops(
    "ada",
    me="{ me { id name email addresses { line1 city country } createdAt } }",
    user_self='{ user(id: "1") { id name email } }',
    user_other='{ user(id: "3") { id name email } }',
    order_own='{ order(id: "10") { id number status subtotal { amount currency } shipping { amount } total { amount } '
              "createdAt paymentStatus } }",
    order_not_own='{ order(id: "2") { id number } }',
    order_missing='{ order(id: "99999") { id } }',
    payment_own='{ payment(id: "136") { id status provider amount { amount currency } createdAt '
                "refunds { id amount { amount } createdAt } } }",
    payment_not_own='{ payment(id: "2") { id status } }',
    payment_missing='{ payment(id: "99999") { id } }',
) + _ops(
    "admin",
    product_stock='{ product(id: "17") { sku inStock stock } }',
    user_as_admin='{ user(id: "3") { id name email addresses { city } } }',
    payment_as_admin='{ payment(id: "2") { id status amount { amount } order { id number } } }',
    order_as_admin='{ order(id: "2") { id number buyer { id name } } }',
)

ENTITY_JUMPS = _ops(
    None,
    requires_shipping='{ product(id: "5") { id weight shippingEstimate { amount currency } } }',
    requires_shipping_only='{ product(id: "5") { shippingEstimate { amount } } }',
    requires_in_list="{ products(first: 5) { edges { node { id shippingEstimate { amount } } } } }",
    requires_by_sku='{ product(sku: "SKU-00007") { name shippingEstimate { amount } } }',
    category_products='{ product(id: "3") { category { name products(first: 3) { totalCount edges { node { id name '
                      "shippingEstimate { amount } } } } } } }",
    categories_deep="{ categories { slug products(first: 2) { edges { node { sku category { slug } } } } } }",
    stock_anonymous='{ product(id: "1") { name stock } }',
    stock_in_list="{ products(first: 3) { edges { node { id stock } } } }",
) + _ops(
    "ada",
    order_items_products='{ order(id: "10") { items { quantity unitPrice { amount } product { id sku name '
                         "category { name products(first: 2) { edges { node { id name } } } } } } } }",
    order_items_provided_sku='{ order(id: "20") { items { product { sku } } } }',
    order_items_sku_and_more='{ order(id: "20") { items { product { sku name weight shippingEstimate { amount } } } } }',
    me_orders_payments="{ me { name orders(first: 3) { totalCount edges { node { number paymentStatus "
                       "payments { status amount { amount } } } } } } }",
    user_orders_payments='{ user(id: "1") { orders(first: 30) { edges { node { id payments { id status refunds { id } } } } } } }',
    payment_order_buyer='{ payment(id: "136") { order { id number buyer { id name email } items { product { name } } } } }',
    order_buyer_orders='{ order(id: "10") { buyer { name orders(first: 2) { edges { node { id } } } } } }',
    me_orders_products="{ me { orders(first: 2) { edges { node { items { product { name price { amount } "
                       "shippingEstimate { amount } } } } } } } }",
    other_user_orders='{ user(id: "3") { name orders(first: 2) { totalCount } } }',
    order_payments_other='{ order(id: "2") { payments { id } } }',
    stock_as_shopper='{ product(id: "1") { name stock } }',
) + _ops(
    "reader",
    me_orders_without_scope="{ me { name orders(first: 1) { totalCount } } }",
    order_without_scope='{ order(id: "10") { id } }',
) + _ops(
    "admin",
    admin_order_everything='{ order(id: "51") { id number status buyer { id name email addresses { city } } '
                           "items { quantity product { id sku name stock weight shippingEstimate { amount } "
                           "category { name } } } payments { id status amount { amount } refunds { amount { amount } } "
                           "order { id } } paymentStatus total { amount } } }",
    admin_payment_chain='{ payment(id: "88") { status order { number buyer { name orders(first: 2) { edges { node { '
                        "number payments { id } } } } } } } }",
)

ALIASES = _ops(
    None,
    aliases_plain='{ p: product(id: "2") { n: name s: sku price: price { a: amount } } }',
    aliases_same_field_twice='{ a: product(id: "1") { name } b: product(id: "2") { name } c: product(sku: "SKU-00003") { name } }',
    aliases_swap_names='{ product(id: "4") { name: sku sku: name } }',
    alias_named_like_key='{ product(id: "5") { id: name shippingEstimate { amount } } }',
    alias_named_like_required='{ product(id: "5") { weight: name shippingEstimate { amount } } }',
    alias_named_like_key_in_list="{ products(first: 2) { edges { node { id: sku shippingEstimate { amount } } } } }",
    alias_named_like_required_in_list="{ products(first: 2) { edges { node { weight: sku shippingEstimate { amount } } } } }",
    alias_required_field_renamed='{ product(id: "6") { w: weight shippingEstimate { amount } } }',
    alias_on_jump='{ product(id: "6") { ship: shippingEstimate { cents: amount } } }',
) + _ops(
    "ada",
    alias_named_like_key_on_order='{ order(id: "10") { id: number items { product { id: name } } } }',
    alias_named_like_key_below_provides='{ order(id: "20") { items { product { id: sku name } } } }',
    alias_named_like_key_of_buyer='{ order(id: "10") { buyer { id: name email } } }',
    alias_same_connection_twice="{ me { a: orders(first: 1) { edges { node { id } } } b: orders(first: 2) { totalCount } } }",
)

FRAGMENTS = _ops(
    None,
    named_fragment='query { product(id: "8") { ...ProductParts } } fragment ProductParts on Product { id name price { amount } }',
    nested_named_fragments="query { products(first: 2) { edges { node { ...A } } } } "
                           "fragment A on Product { name ...B } fragment B on Product { sku shippingEstimate { amount } }",
    inline_fragment='{ product(id: "9") { ... on Product { name } ... { sku } } }',
    nested_inline_fragments='{ product(id: "9") { ... on Product { ... on Product { weight ... { shippingEstimate { amount } } } } } }',
    fragment_on_query='query { ...Root } fragment Root on Query { categories { id } product(id: "1") { name } }',
    fragment_overlap='{ product(id: "10") { name ... on Product { name sku } ... { sku category { id } } category { name } } }',
    fragment_with_typename="query { categories { ...C } } fragment C on Category { __typename id }",
) + _ops(
    "ada",
    fragments_across_jumps="query { me { ...U } } fragment U on User { name orders(first: 1) { edges { node { ...O } } } } "
                           "fragment O on Order { number items { product { ...P } } } "
                           "fragment P on Product { name ... on Product { shippingEstimate { amount } } }",
)

VARIABLES = [
    Operation("variables_given", "query($id: ID!) { product(id: $id) { id name } }", {"id": "11"}),
    Operation("variables_default", 'query($id: ID = "12") { product(id: $id) { id name } }'),
    Operation("variables_default_overridden", 'query($id: ID = "12") { product(id: $id) { id } }', {"id": "13"}),
    Operation("variables_null_given", 'query($id: ID = "12") { product(id: $id) { id } }', {"id": None}),
    Operation("variables_pagination", "query($first: Int = 2, $after: String) { products(first: $first, after: $after) { "
              "edges { node { id } } pageInfo { endCursor } } }", {"first": 3}),
    Operation("variables_input_object", 'query($c: ID) { products(first: 2, categoryId: $c) { edges { node { category { id } } } } }',
              {"c": "4"}),
    Operation("variables_missing_required", "query($id: ID!) { product(id: $id) { id } }"),
    Operation("variables_wrong_type", "query($first: Int!) { products(first: $first) { totalCount } }", {"first": "many"}),
    Operation("operation_name", "query A { categories { id } } query B { product(id: \"1\") { id } }"),
]

CONDITIONS = [
    Operation("skip_literal", '{ product(id: "14") { name sku @skip(if: true) weight @include(if: false) id @include(if: true) } }'),
    Operation("skip_variable_true", 'query($s: Boolean!) { product(id: "14") { name shippingEstimate @skip(if: $s) { amount } } }',
              {"s": True}),
    Operation("skip_variable_false", 'query($s: Boolean!) { product(id: "14") { name shippingEstimate @skip(if: $s) { amount } } }',
              {"s": False}),
    Operation("include_variable_default", 'query($i: Boolean = false) { product(id: "14") { name '
              "category @include(if: $i) { name } } }"),
    Operation("include_root_variable", 'query($i: Boolean!) { categories @include(if: $i) { id } product(id: "1") { id } }',
              {"i": False}),
    Operation("skip_on_fragments", 'query($s: Boolean = true) { product(id: "15") { ... @skip(if: $s) { sku } '
              "...F @include(if: $s) } } fragment F on Product { name shippingEstimate { amount } }"),
    Operation("skip_and_include_together", 'query($a: Boolean!, $b: Boolean!) { product(id: "15") { '
              "name @skip(if: $a) @include(if: $b) shippingEstimate @include(if: $b) { amount } } }", {"a": False, "b": True}),
    Operation("skip_jump_under_own_field", 'query($s: Boolean!) { product(id: "16") { id shippingEstimate { amount @skip(if: $s) '
              "currency } } }", {"s": True}),
    Operation("include_on_entity_field_and_sibling", 'query($i: Boolean!) { order(id: "10") { number items @include(if: $i) '
              "{ product { name shippingEstimate { amount } } } } }", {"i": True}, "ada"),
]

TYPENAME = _ops(
    None,
    typename_root="{ __typename }",
    typename_everywhere='{ __typename product(id: "18") { __typename price { __typename } category { __typename '
                        "products(first: 1) { __typename edges { __typename node { __typename shippingEstimate { __typename } } } "
                        "pageInfo { __typename } } } } }",
    typename_aliased='{ t: __typename product(id: "18") { kind: __typename name } }',
    typename_only_on_jump='{ product(id: "18") { shippingEstimate { __typename } } }',
) + _ops(
    "ada",
    typename_across_subgraphs='{ order(id: "10") { __typename buyer { __typename name } items { __typename product { '
                              "__typename } } payments { __typename } } }",
)

INTROSPECTION = _ops(
    None,
    introspection_query_type="{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }",
    introspection_type='{ __type(name: "Product") { name kind fields { name type { name kind ofType { name } } } } }',
    introspection_missing_type='{ __type(name: "requiresScopes__Scope") { name } }',
    introspection_directive_locations='{ __type(name: "__DirectiveLocation") { enumValues { name } } }',
    introspection_directives="{ __schema { directives { name locations args { name } } } }",
    introspection_beside_data='{ __schema { queryType { name } } product(id: "1") { name } }',
    introspection_before_data='{ __schema { queryType { name } } categories { id } }',
    introspection_type_before_data='{ __type(name: "Category") { name } categories { id } }',
    introspection_in_root_fragment="{ ... on Query { __schema { queryType { name } } } }",
    introspection_in_bare_inline_fragment='{ ... { __type(name: "User") { name } } }',
    introspection_in_named_fragment="query { ...F } fragment F on Query { __schema { queryType { name } } }",
    introspection_typename_in_fragment='query { ...Q } fragment Q on Query { __typename product(id: "1") { id } }',
)

ERRORS = _ops(
    None,
    syntax_error="{ product(id: ",
    unknown_field='{ product(id: "1") { nope } }',
    inaccessible_field='{ product(id: "1") { costPrice { amount } } }',
    missing_selection='{ product(id: "1") }',
    unknown_argument='{ product(id: "1", colour: "red") { id } }',
    error_then_data='{ a: product(id: "1", sku: "x") { id } b: product(id: "2") { name } }',
    null_in_list="{ products(first: 3, after: \"not-a-cursor\") { edges { node { id } } } }",
) + _ops(
    "ada",
    error_nested_nonnull='{ user(id: "3") { name orders(first: 1) { totalCount edges { node { id } } } } }',
    error_deep_in_list='{ me { orders(first: 2) { edges { node { number payments { id } items { product { stock } } } } } } }',
    error_beside_jump='{ order(id: "10") { number buyer { name email } items { product { name stock } } } }',
    error_two_roots='{ mine: order(id: "10") { id } theirs: order(id: "2") { id } payment(id: "2") { id } me { name } }',
) + _ops(
    "admin",
    error_inside_entities='{ order(id: "50") { items { product { name category { products(first: 0) { totalCount } } } } } }',
)

QUERIES = ROOT_FIELDS + ENTITY_JUMPS + ALIASES + FRAGMENTS + VARIABLES + CONDITIONS + TYPENAME + INTROSPECTION + ERRORS

# Run in this order, after the queries, on each gateway's own copy of the data. The seed ends at
# product 240, order 400, payment 320, user 60: what they make next has the same ids on both.
_PRODUCT = '{sku: "DIFF-1", name: "Differential Lamp", categoryId: "3", price: {amount: 1500}, weight: 700, stock: 3}'
MUTATIONS = [
    Operation("mutation_serial_across_subgraphs", f"""mutation {{
      p: createProduct(input: {_PRODUCT}) {{ id stock }}
      o: placeOrder(items: [{{productId: "241", quantity: 2}}]) {{ id items {{ product {{ sku stock }} }} }}
      s: adjustStock(productId: "241", delta: 1) {{ stock }}
    }}""", caller="admin"),
    Operation("mutation_read_back", '{ product(id: "241") { sku name stock inStock shippingEstimate { amount } } }', caller="admin"),
    Operation("mutation_update_with_jump", 'mutation { updateProduct(id: "241", input: {name: "Renamed Lamp", weight: 900}) '
              "{ __typename name weight shippingEstimate { amount } category { name } } }", caller="admin"),
    Operation("mutation_same_subgraph_twice", 'mutation { a: adjustStock(productId: "241", delta: 5) { stock } '
              'b: adjustStock(productId: "241", delta: -2) { stock } c: adjustStock(productId: "241", delta: 1) { stock } }',
              caller="admin"),
    Operation("mutation_place_order", 'mutation($items: [OrderItemInput!]!) { placeOrder(items: $items) { id number status '
              "subtotal { amount } total { amount } buyer { name } items { quantity product { id name stock } } paymentStatus } }",
              {"items": [{"productId": "241", "quantity": 1}, {"productId": "5", "quantity": 2}]}, "ada"),
    Operation("mutation_pay_then_read", 'mutation { payOrder(orderId: "402", paymentMethod: "pm_card_visa") { id status '
              "amount { amount } order { id number paymentStatus buyer { name } } } }", caller="ada"),
    Operation("mutation_pay_not_own", 'mutation { payOrder(orderId: "10", paymentMethod: "pm_card_visa") { id } }', caller="grace"),
    Operation("mutation_pay_empty_method", 'mutation { payOrder(orderId: "10", paymentMethod: "") { id } }', caller="ada"),
    Operation("mutation_refund_without_scope", 'mutation { refundPayment(id: "321") { id status } }', caller="ada"),
    Operation("mutation_refund_partial", 'mutation { refundPayment(id: "321", amount: {amount: 100}) { id status '
              "refunds { amount { amount } } order { paymentStatus } } }", caller="admin"),
    Operation("mutation_cancel_not_own", 'mutation { cancelOrder(id: "20") { id status } }', caller="grace"),
    Operation("mutation_cancel_own", 'mutation { cancelOrder(id: "20") { id status items { product { id stock } } } }',
              caller="ada"),
    Operation("mutation_cancel_again", 'mutation { cancelOrder(id: "20") { id status } }', caller="ada"),
    Operation("mutation_fulfil_as_shopper", 'mutation { fulfilOrder(id: "21") { id status } }', caller="ada"),
    Operation("mutation_ship_before_fulfil", 'mutation { shipOrder(id: "21", carrier: "DHL", trackingNumber: "1") '
              "{ status } }", caller="admin"),
    Operation("mutation_fulfil_ship_deliver", 'mutation { f: fulfilOrder(id: "21") { status } '
              's: shipOrder(id: "21", carrier: "DHL", trackingNumber: "JD01") { status shipment { carrier trackingNumber } } '
              'd: deliverOrder(id: "21") { status buyer { name } } }', caller="admin"),
    Operation("mutation_stock_below_zero", 'mutation { adjustStock(productId: "17", delta: -1) { stock } }', caller="admin"),
    Operation("mutation_error_stops_nothing_after", 'mutation { a: adjustStock(productId: "999999", delta: 1) { stock } '
              'b: adjustStock(productId: "241", delta: 1) { stock } }', caller="admin"),
    Operation("mutation_anonymous", 'mutation { placeOrder(items: [{productId: "1", quantity: 1}]) { id } }'),
    Operation("mutation_register", 'mutation { register(input: {name: "Differential Dora", email: "dora@example.com", '
              'password: "correct horse battery"}) { id name email orders { totalCount } } }'),
    Operation("mutation_register_duplicate", 'mutation { register(input: {name: "Ada Again", email: "ada@example.com", '
              'password: "correct horse battery"}) { id } }'),
    Operation("mutation_update_profile", 'mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id name '
              "addresses { line1 line2 city postalCode country } } }",
              {"input": {"name": "Ada L.", "addresses": [{"line1": "1 Analytical Row", "city": "London",
                                                             "postalCode": "N1", "country": "GB"}]}}, "ada"),
    Operation("mutation_typename_and_fragments", 'mutation { __typename ...M ... on Mutation { b: adjustStock(productId: "241", '
              'delta: 1) { ... on Product { stock } } } } fragment M on Mutation { a: adjustStock(productId: "241", delta: 1) '
              "{ stock } }", caller="admin"),
    Operation("mutation_skip", 'mutation($s: Boolean!) { a: adjustStock(productId: "241", delta: 1) @skip(if: $s) { stock } '
              'b: adjustStock(productId: "241", delta: 1) { stock } }', {"s": True}, "admin"),
    Operation("mutation_final_state", '{ product(id: "241") { name stock } order(id: "402") { status paymentStatus '
              "payments { status refunds { amount { amount } } } } me { name addresses { city } } }", caller="ada"),
]

CORPUS = QUERIES + MUTATIONS
