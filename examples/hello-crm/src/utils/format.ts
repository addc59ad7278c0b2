export enum Tone {
  Plain = 'plain',
  Excited = 'excited',
}

export interface Person {
  name: string;
  tone?: Tone;
}

export const formatGreeting = (greeting: string, person: Person): string => {
  const suffix = person.tone === Tone.Excited ? '!' : '.';
  return `${greeting}, ${person.name}${suffix}`;
};
