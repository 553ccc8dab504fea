const { Router } = require('express');
const controller = require('../controllers/items.controller');

const router = Router();
router.get('/items', controller.list);
router.route('/items/:id').get(controller.show).delete(controller.remove);

module.exports = router;
