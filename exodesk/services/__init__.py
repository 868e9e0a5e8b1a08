"""What the clinic does, as plain functions over a Session. No Qt here, ever."""
