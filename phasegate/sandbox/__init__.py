"""Local sandbox: a Render API simulator on loopback and worlds good and broken."""
