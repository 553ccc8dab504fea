import { canTransition } from '../src/domain/order';

test('a pending order can be paid', () => {
  expect(canTransition('pending', 'paid')).toBe(true);
});
