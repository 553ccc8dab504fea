import { Router } from 'express';
import { assessmentService, eventLog, permissionService } from '../container';
import { asyncHandler } from '../middleware/asyncHandler';
import { Identity, requireAuth } from '../middleware/authenticate';
import { ValidationError } from '../utils/errors';

export const router = Router();

router.use(requireAuth);

router.post(
  '/',
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    permissionService.assert({ id: identity.userId, role: identity.role }, 'create', 'assessment');
    res.status(201).json(await assessmentService.create(req.body));
  }),
);

router.get(
  '/:id',
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    const assessment = await assessmentService.get(req.params.id);
    // Students must not see the answer key.
    if (!permissionService.can({ id: identity.userId, role: identity.role }, 'grade', 'assessment')) {
      res.json({ ...assessment, questions: assessment.questions.map(({ correct: _c, tolerance: _t, ...q }) => q) });
      return;
    }
    res.json(assessment);
  }),
);

router.post(
  '/:id/submissions',
  asyncHandler(async (req, res) => {
    const identity = res.locals.identity as Identity;
    const answers = req.body?.answers;
    if (!answers || typeof answers !== 'object') throw new ValidationError('answers must be an object', 'answers');
    const result = await assessmentService.grade(req.params.id, answers);
    eventLog.record({ userId: identity.userId, type: 'assessment_submit', occurredAt: new Date().toISOString() });
    res.status(201).json(result);
  }),
);

export default router;
