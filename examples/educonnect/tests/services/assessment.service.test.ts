import { InMemoryRepository } from '../../src/repositories/memory';
import { Assessment, AssessmentService, Question, scoreQuestion } from '../../src/services/assessment.service';

const questions: Question[] = [
  { id: 'q1', type: 'single', prompt: '2 + 2?', points: 2, options: ['3', '4'], correct: 1 },
  { id: 'q2', type: 'multiple', prompt: 'Primes?', points: 4, options: ['2', '3', '4', '5'], correct: [0, 1, 3] },
  { id: 'q3', type: 'numeric', prompt: 'Pi?', points: 4, correct: 3.14, tolerance: 0.01 },
];

describe('scoreQuestion', () => {
  it('gives full marks for the right single choice', () => {
    expect(scoreQuestion(questions[0], 1)).toBe(2);
    expect(scoreQuestion(questions[0], 0)).toBe(0);
  });

  it('accepts numeric answers within tolerance', () => {
    expect(scoreQuestion(questions[2], 3.141)).toBe(4);
  });
});

describe('AssessmentService.grade', () => {
  it('computes the percentage and pass/fail', async () => {
    const service = new AssessmentService(new InMemoryRepository<Assessment>(), () => new Date('2024-05-01T00:00:00Z'));
    const assessment = await service.create({ communityId: 'com_1', title: 'Maths', questions, passingScore: 60 });

    const result = await service.grade(assessment.id, { q1: 1, q2: [0, 1, 3], q3: 3.14 });

    expect(result.percentage).toBe(100);
    expect(result.passed).toBe(true);
    expect(result.late).toBe(false);
  });
});
