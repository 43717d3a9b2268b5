from auth.passwords import hash_password, verify_password


def test_hash_is_salted_and_verifies():
    first, second = hash_password("lovelace-1815"), hash_password("lovelace-1815")
    assert first != second and "lovelace" not in first
    assert verify_password(first, "lovelace-1815")
    assert not verify_password(first, "wrong")
    assert not verify_password("garbage", "lovelace-1815")
