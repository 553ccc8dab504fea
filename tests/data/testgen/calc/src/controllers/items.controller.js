const items = new Map();

module.exports = {
  list: (_req, res) => res.json([...items.values()]),
  show: (req, res) => (items.has(req.params.id) ? res.json(items.get(req.params.id)) : res.status(404).end()),
  remove: (req, res) => res.status(items.delete(req.params.id) ? 204 : 404).end(),
};
