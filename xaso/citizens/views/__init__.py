"""Pages and endpoints of the residents' channel, one module per audience: residents
(``public``), officers (``officer``, ``announcements``), providers' webhooks
(``webhooks``) and Open311 clients (``open311``). Thin: parse, call one action or query,
render."""
