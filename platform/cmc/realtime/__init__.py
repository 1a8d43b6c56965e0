"""Real-time delivery over Socket.IO: ``events`` (connect and inbound events) and ``notify`` (emits)."""
