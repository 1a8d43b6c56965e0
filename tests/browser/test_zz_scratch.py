def test_scratch(live_server):
    with open(live_server.log_path, "a") as f:
        f.write("2026 ERROR cmc.web: fake\n")
