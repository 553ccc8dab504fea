import { Repository } from '../repositories/types';
import { NotFoundError, ValidationError } from '../utils/errors';
import { generateId } from '../utils/ids';

export type QuestionType = 'single' | 'multiple' | 'numeric';

export interface Question {
  id: string;
  type: QuestionType;
  prompt: string;
  points: number;
  options?: string[];
  correct: number[] | number;
  tolerance?: number;
}

export interface Assessment {
  id: string;
  communityId: string;
  title: string;
  questions: Question[];
  passingScore: number;
  dueAt?: string;
  latePenaltyPerDay: number;
}

export type Answer = number[] | number;

export interface GradeResult {
  earned: number;
  possible: number;
  percentage: number;
  passed: boolean;
  late: boolean;
  perQuestion: Record<string, number>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function scoreQuestion(question: Question, answer: Answer | undefined): number {
  if (answer === undefined) return 0;
  switch (question.type) {
    case 'single':
      return answer === question.correct ? question.points : 0;
    case 'numeric': {
      const tolerance = question.tolerance ?? 0;
      return typeof answer === 'number' && Math.abs(answer - (question.correct as number)) <= tolerance
        ? question.points
        : 0;
    }
    case 'multiple': {
      const correct = new Set(question.correct as number[]);
      const chosen = new Set(Array.isArray(answer) ? answer : [answer]);
      let hits = 0;
      let misses = 0;
      chosen.forEach((option) => (correct.has(option) ? hits++ : misses++));
      // Partial credit: each wrong choice cancels a right one.
      const ratio = Math.max(0, hits - misses) / correct.size;
      return Math.round(question.points * ratio * 100) / 100;
    }
    default:
      return 0;
  }
}

export class AssessmentService {
  constructor(
    private readonly assessments: Repository<Assessment>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: Omit<Assessment, 'id' | 'latePenaltyPerDay'> & { latePenaltyPerDay?: number }): Promise<Assessment> {
    if (input.questions.length === 0) throw new ValidationError('An assessment needs at least one question');
    if (input.passingScore < 0 || input.passingScore > 100) {
      throw new ValidationError('passingScore must be a percentage', 'passingScore');
    }
    input.questions.forEach((q) => {
      if (q.points <= 0) throw new ValidationError(`Question ${q.id} must be worth points`);
      if (q.type !== 'numeric' && (!q.options || q.options.length < 2)) {
        throw new ValidationError(`Question ${q.id} needs at least two options`);
      }
    });
    return this.assessments.save({ latePenaltyPerDay: 0, ...input, id: generateId('asm') });
  }

  async get(id: string): Promise<Assessment> {
    const assessment = await this.assessments.findById(id);
    if (!assessment) throw new NotFoundError('Assessment', id);
    return assessment;
  }

  async grade(id: string, answers: Record<string, Answer>, submittedAt: Date = this.now()): Promise<GradeResult> {
    const assessment = await this.get(id);
    const perQuestion: Record<string, number> = {};
    let earned = 0;
    let possible = 0;
    for (const question of assessment.questions) {
      const score = scoreQuestion(question, answers[question.id]);
      perQuestion[question.id] = score;
      earned += score;
      possible += question.points;
    }
    let percentage = possible === 0 ? 0 : (earned / possible) * 100;
    const late = assessment.dueAt !== undefined && submittedAt.getTime() > Date.parse(assessment.dueAt);
    if (late && assessment.dueAt) {
      const daysLate = Math.ceil((submittedAt.getTime() - Date.parse(assessment.dueAt)) / DAY_MS);
      percentage = Math.max(0, percentage - daysLate * assessment.latePenaltyPerDay);
    }
    percentage = Math.round(percentage * 10) / 10;
    return { earned, possible, percentage, passed: percentage >= assessment.passingScore, late, perQuestion };
  }
}
