import { z } from "zod";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import { emailSchema } from "@/lib/auth/email";
import { hashPassword, passwordSchema } from "@/lib/auth/password";
import { Prisma } from "@/lib/generated/prisma/client";

export const signUpSchema = z
  .object({
    name: z.string().trim().min(1, "Enter your name.").max(100, "Use at most 100 characters."),
    email: emailSchema,
    password: passwordSchema,
  })
  .refine((d) => d.password.toLowerCase() !== d.email, { path: ["password"], message: "Do not use your email address as your password." });

export type SignUpInput = z.output<typeof signUpSchema>;

/** Creates a customer account. A taken email (in any letter case) is a field error. */
export async function registerUser(input: SignUpInput) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.user.create({ data: { name: input.name, email: input.email, passwordHash, role: "customer" } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new FieldError("email", "An account with this email already exists. Sign in instead.");
    }
    throw error;
  }
}
