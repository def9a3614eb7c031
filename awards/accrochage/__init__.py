"""The holder declaration to the Caisse des Dépôts ("accrochage" of certifications to the CPF /
Passeport de compétences): certifier settings, holder identities (encrypted), the XML flux and
Probatio's own checks of the published schema's rules, and each declaration's life."""
